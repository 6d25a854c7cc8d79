// Registry credentials where docker keeps them: `$DOCKER_CONFIG/config.json` (or ~/.docker/config.json),
// `auths` entries with base64 "user:password", or a credential helper (`credsStore` for all registries,
// `credHelpers` per registry: `docker-credential-<name> get|store|erase`, JSON on stdin/stdout).
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { writeFileAtomic } from '../lib/atomic.ts';
import { CliError } from './errors.ts';

/** the key docker files Docker Hub's credentials under */
export const HUB_SERVER = 'https://index.docker.io/v1/';

export interface Credentials {
  username: string;
  password: string;
  serveraddress: string;
}

interface ConfigFile {
  auths?: Record<string, { auth?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [k: string]: unknown;
}

/** `$DOCKER_CONFIG`, or ~/.docker: where config.json and the local manifest lists (`manifests/`) live */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG || join(homedir(), '.docker');
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), 'config.json');
}

function readConfig(): ConfigFile {
  try {
    return JSON.parse(readFileSync(configPath(), 'utf8')) as ConfigFile;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CliError(`loading config file ${configPath()}: ${(err as Error).message}`, 1);
  }
}

async function writeConfig(c: ConfigFile): Promise<void> {
  await writeFileAtomic(configPath(), JSON.stringify(c, null, '\t') + '\n', { mode: 0o600 });
}

/** `docker.io` (or empty) → Docker Hub's key; any other registry is its host[:port] */
export function serverKey(registry: string | undefined): string {
  if (!registry || registry === 'docker.io' || registry === 'index.docker.io' || registry === 'registry-1.docker.io') return HUB_SERVER;
  return registry.replace(/^https?:\/\//, '').replace(/\/+$/, '');
}

function helperFor(c: ConfigFile, key: string): string | undefined {
  return c.credHelpers?.[key] ?? c.credsStore;
}

function runHelper(helper: string, action: 'get' | 'store' | 'erase', input: string): string {
  const r = spawnSync(`docker-credential-${helper}`, [action], { input, encoding: 'utf8' });
  if (r.error) throw new CliError(`error getting credentials - err: ${r.error.message}, out: \`\``, 1);
  if (r.status !== 0) {
    const out = (r.stdout || r.stderr).trim();
    if (action === 'get' && /credentials not found/i.test(out)) return '';
    throw new CliError(`error ${action === 'get' ? 'getting' : action === 'store' ? 'storing' : 'erasing'} credentials - err: exit status ${r.status}, out: \`${out}\``, 1);
  }
  return r.stdout;
}

/** the stored credentials for a registry, or null */
export function loadCredentials(registry: string | undefined): Credentials | null {
  const key = serverKey(registry);
  const c = readConfig();
  const helper = helperFor(c, key);
  if (helper) {
    const out = runHelper(helper, 'get', key);
    if (!out.trim()) return null;
    const j = JSON.parse(out) as { Username?: string; Secret?: string };
    return j.Username ? { username: j.Username, password: j.Secret ?? '', serveraddress: key } : null;
  }
  const entry = c.auths?.[key] ?? c.auths?.[`https://${key}`] ?? c.auths?.[`http://${key}`];
  if (!entry?.auth) return null;
  const plain = Buffer.from(entry.auth, 'base64').toString('utf8');
  const i = plain.indexOf(':');
  return i > 0 ? { username: plain.slice(0, i), password: plain.slice(i + 1), serveraddress: key } : null;
}

export async function storeCredentials(cred: Credentials): Promise<void> {
  const c = readConfig();
  const helper = helperFor(c, cred.serveraddress);
  c.auths ??= {};
  if (helper) {
    runHelper(helper, 'store', JSON.stringify({ ServerURL: cred.serveraddress, Username: cred.username, Secret: cred.password }));
    c.auths[cred.serveraddress] = {};
  } else {
    c.auths[cred.serveraddress] = { auth: Buffer.from(`${cred.username}:${cred.password}`).toString('base64') };
  }
  await writeConfig(c);
}

/** false when there was nothing to remove */
export async function eraseCredentials(key: string): Promise<boolean> {
  const c = readConfig();
  const had = Boolean(c.auths?.[key]);
  const helper = helperFor(c, key);
  if (helper) runHelper(helper, 'erase', key);
  if (!had) return false;
  delete c.auths![key];
  await writeConfig(c);
  return true;
}

/** every stored login, by its key (docker's GetAllCredentials: config.json's auths and credHelpers) */
export function allCredentials(): Record<string, Credentials> {
  const c = readConfig();
  const out: Record<string, Credentials> = {};
  for (const key of new Set([...Object.keys(c.auths ?? {}), ...Object.keys(c.credHelpers ?? {})])) {
    const cred = loadCredentials(key);
    if (cred) out[key] = cred;
  }
  return out;
}

/** X-Registry-Config as docker's CLI sends it with a build: base64url JSON of every stored login by registry */
export function registryConfigHeader(): string {
  return Buffer.from(JSON.stringify(allCredentials())).toString('base64url');
}

/** X-Registry-Auth as docker's CLI sends it: base64url JSON of the AuthConfig (`{}` when anonymous) */
export function registryAuthHeader(cred: Credentials | null): string {
  return Buffer.from(JSON.stringify(cred ?? {})).toString('base64url');
}
