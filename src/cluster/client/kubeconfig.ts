// Reads a kubeconfig (as kubectl does) into the HTTP client's config: the context's cluster (server, CA data
// or file, insecure-skip-tls-verify) and user (token or tokenFile). Client certificates are not supported.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { invalidArgument, notFound, errnoCode } from '../../lib/errors.ts';
import type { ApiClient } from './types.ts';
import { createHttpClient, type HttpClientConfig } from './http.ts';

interface Kubeconfig {
  'current-context'?: string;
  clusters?: Array<{ name: string; cluster: { server?: string; 'certificate-authority-data'?: string; 'certificate-authority'?: string; 'insecure-skip-tls-verify'?: boolean } }>;
  contexts?: Array<{ name: string; context: { cluster: string; user?: string; namespace?: string } }>;
  users?: Array<{ name: string; user?: { token?: string; tokenFile?: string } }>;
}

/** $KUBECONFIG (its first file), else ~/.kube/config */
export const defaultKubeconfigPath = () => process.env.KUBECONFIG?.split(':').find(Boolean) ?? join(homedir(), '.kube', 'config');

export async function loadKubeconfig(path = defaultKubeconfigPath(), context?: string): Promise<HttpClientConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw notFound(`kubeconfig ${path} does not exist: start \`skiff server\` or pass --kubeconfig`, err);
    throw err;
  }
  let kc: Kubeconfig;
  try {
    kc = (parseYaml(text) ?? {}) as Kubeconfig;
  } catch (err) {
    throw invalidArgument(`kubeconfig ${path} is not valid YAML: ${(err as Error).message}`, err);
  }
  const ctxName = context ?? kc['current-context'];
  if (!ctxName) throw invalidArgument(`kubeconfig ${path} has no current-context: name a context`);
  const ctx = kc.contexts?.find((c) => c.name === ctxName)?.context;
  if (!ctx) throw invalidArgument(`kubeconfig ${path} has no context "${ctxName}"`);
  const cluster = kc.clusters?.find((c) => c.name === ctx.cluster)?.cluster;
  if (!cluster?.server) throw invalidArgument(`kubeconfig ${path}: cluster "${ctx.cluster}" has no server`);
  const user = kc.users?.find((u) => u.name === ctx.user)?.user ?? {};
  const base = dirname(resolve(path));
  const cfg: HttpClientConfig = { server: cluster.server };
  if (cluster['certificate-authority-data']) cfg.ca = Buffer.from(cluster['certificate-authority-data'], 'base64');
  else if (cluster['certificate-authority']) cfg.ca = await readFile(resolve(base, cluster['certificate-authority']));
  if (cluster['insecure-skip-tls-verify']) cfg.insecureSkipVerify = true;
  if (user.token) cfg.token = user.token;
  else if (user.tokenFile) cfg.token = (await readFile(resolve(base, user.tokenFile), 'utf8')).trim();
  return cfg;
}

export async function createClientFromKubeconfig(path?: string, context?: string): Promise<ApiClient> {
  return createHttpClient(await loadKubeconfig(path, context));
}
