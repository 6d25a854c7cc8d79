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
