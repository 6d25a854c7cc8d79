// Who asks a registry: docker's AuthConfig. The engine's contract (engine/types/distribution.ts) names this
// type: one definition.
export interface RegistryAuth {
  username?: string;
  password?: string;
  /** base64 "user:password", as config.json keeps it */
  auth?: string;
  serveraddress?: string;
  /** an OAuth2 refresh token from an earlier login */
  identitytoken?: string;
  /** a bearer token used as is */
  registrytoken?: string;
}

/** the key Docker Hub's credentials are filed under (config.json, X-Registry-Config) */
const HUB_KEY = 'https://index.docker.io/v1/';

/** `https://reg:5000/v2/` → `reg:5000` (docker's ConvertToHostname) */
const hostnameOf = (key: string) => key.replace(/^https?:\/\//, '').split('/')[0];

/**
 * The entry of a map of credentials by registry (docker's X-Registry-Config) for `registry` (a reference's
 * domain: `127.0.0.1:5000`, `docker.io`), as docker's ResolveAuthConfig: the exact key, else a key naming
 * the same host with a scheme or path. Undefined: ask anonymously.
 */
export function resolveAuthConfig(configs: Readonly<Record<string, RegistryAuth>>, registry: string): RegistryAuth | undefined {
  const key = registry === 'docker.io' ? HUB_KEY : registry;
  if (configs[key]) return configs[key];
  const host = hostnameOf(key);
  for (const [k, v] of Object.entries(configs)) if (hostnameOf(k) === host) return v;
  return undefined;
}
