// docker login's check (`POST /auth`): `/v2/` answers, and with these credentials (a token from the realm
// for a Bearer registry, Basic otherwise). Nothing is stored here: the client keeps the credentials.
import type { RegistryAuth } from '../types.ts';
import { invalidArgument } from '../../lib/errors.ts';
import { openSession, ping, basicCredentials } from '../../lib/distribution/index.ts';
import type { RegistrySettings } from './transfer-deps.ts';

/** `https://index.docker.io/v1/` and friends → the registry host docker means */
export function registryHost(server: string | undefined): string {
  if (!server) return 'docker.io';
  const host = server.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

export async function loginCheck(auth: RegistryAuth, registries: RegistrySettings, signal?: AbortSignal): Promise<void> {
  if (!basicCredentials(auth) && !auth.identitytoken && !auth.registrytoken) throw invalidArgument('Username and password are required to log in');
  const s = openSession(registryHost(auth.serveraddress), { auth, signal, insecure: registries.insecure, certsDir: registries.certsDir });
  await ping(s);
}
