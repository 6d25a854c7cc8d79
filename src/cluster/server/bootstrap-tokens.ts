// Bootstrap tokens, as Kubernetes keeps them: Secrets `kube-system/bootstrap-token-<id>` of type
// bootstrap.kubernetes.io/token holding token-id, token-secret, expiration, usages and extra groups. A bearer
// `<id>.<secret>` authenticates as `system:bootstrap:<id>` (groups system:bootstrappers + the extra groups)
// while the token is unexpired and allows authentication. Nodes join with them (`skiff token create` prints
// the k3s-style join token `K10<sha256 of the CA PEM>::<id>.<secret>`, whose hash lets an agent verify the
// server without a CA file). The Secrets are read from a kube-system-only informer, so lookups are in memory.
import { randomInt, timingSafeEqual } from 'node:crypto';
import type { Secret } from 'kubernetes-types/core/v1.js';
import type { ApiClient } from '../client/types.ts';
import { createInformerFactory, namespacedClient } from '../client/index.ts';
import type { KObject } from '../types/meta.ts';
import { R } from '../types/gvr.ts';
import { isStatusError } from '../types/status-error.ts';
import { invalidArgument, notFound } from '../../lib/errors.ts';

export const BOOTSTRAP_TOKEN_TYPE = 'bootstrap.kubernetes.io/token';
export const BOOTSTRAP_TOKEN_PREFIX = 'bootstrap-token-';
/** the extra group `skiff token create` gives (kubeadm's is system:bootstrappers:kubeadm:default-node-token) */
export const DEFAULT_NODE_TOKEN_GROUP = 'system:bootstrappers:skiff:default-node-token';
const TOKEN_RE = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;

export interface BootstrapTokenAuthenticator {
  /** the user of a valid, unexpired `<id>.<secret>` token, or undefined */
  authenticateToken(token: string): { name: string; groups: string[] } | undefined;
  /** watches kube-system's Secrets until signal aborts */
  run(signal: AbortSignal): void;
}

type SecretObject = Secret & KObject;

const field = (s: SecretObject, key: string): string | undefined => {
  const v = s.data?.[key];
  if (v !== undefined) return Buffer.from(v, 'base64').toString('utf8');
  return s.stringData?.[key];
};

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const randomWord = (n: number) => Array.from({ length: n }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');

/** a new token's Secret (kubeadm's shape); ttlSeconds 0: it never expires */
export function bootstrapTokenSecret(o: { ttlSeconds: number; description?: string; groups?: string[]; now: Date }): { token: string; secret: KObject } {
  const id = randomWord(6);
  const secret = randomWord(16);
  const data: Record<string, string> = {
    'token-id': id, 'token-secret': secret, 'usage-bootstrap-authentication': 'true', 'usage-bootstrap-signing': 'true',
    'auth-extra-groups': (o.groups ?? [DEFAULT_NODE_TOKEN_GROUP]).join(','),
  };
  if (o.description) data.description = o.description;
  if (o.ttlSeconds > 0) data.expiration = new Date(o.now.getTime() + o.ttlSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    token: `${id}.${secret}`,
    secret: {
      apiVersion: 'v1', kind: 'Secret', type: BOOTSTRAP_TOKEN_TYPE,
      metadata: { name: `${BOOTSTRAP_TOKEN_PREFIX}${id}`, namespace: 'kube-system' },
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    },
  };
}

/** what `token list` shows of a token Secret */
export function describeBootstrapToken(s: SecretObject): { token: string; expiration?: string; usages: string[]; description: string; groups: string[] } | undefined {
  if (s.type !== BOOTSTRAP_TOKEN_TYPE) return undefined;
  const id = field(s, 'token-id');
  const secret = field(s, 'token-secret');
  if (!id || !secret) return undefined;
  const usages = ['authentication', 'signing'].filter((u) => field(s, `usage-bootstrap-${u}`) === 'true');
  return { token: `${id}.${secret}`, expiration: field(s, 'expiration'), usages, description: field(s, 'description') ?? '', groups: (field(s, 'auth-extra-groups') ?? '').split(',').filter(Boolean) };
}

export function createBootstrapTokenAuthenticator(client: ApiClient, now: () => Date = () => new Date()): BootstrapTokenAuthenticator {
  // only kube-system's Secrets: the informer lists and watches that namespace alone
  const informers = createInformerFactory(namespacedClient(client, 'kube-system'));
  const secrets = informers.informer<SecretObject>(R.secrets);
  return {
    authenticateToken(token) {
      const m = TOKEN_RE.exec(token);
      if (!m) return undefined;
      const s = secrets.get(`kube-system/${BOOTSTRAP_TOKEN_PREFIX}${m[1]}`);
      if (!s || s.type !== BOOTSTRAP_TOKEN_TYPE) return undefined;
      const want = field(s, 'token-secret') ?? '';
      if (want.length !== m[2].length || !timingSafeEqual(Buffer.from(want), Buffer.from(m[2]))) return undefined;
      if (field(s, 'token-id') !== m[1] || field(s, 'usage-bootstrap-authentication') !== 'true') return undefined;
      const exp = field(s, 'expiration');
      if (exp && Date.parse(exp) <= now().getTime()) return undefined;
      const extra = (field(s, 'auth-extra-groups') ?? '').split(',').filter((g) => g.startsWith('system:bootstrappers:'));
      return { name: `system:bootstrap:${m[1]}`, groups: ['system:bootstrappers', ...extra, 'system:authenticated'] };
    },
    run(signal) {
      informers.start(signal);
    },
  };
}

/** `skiff token create`: a new token Secret; returns `<id>.<secret>` */
export async function createBootstrapToken(client: ApiClient, o: { ttlSeconds: number; description?: string; groups?: string[]; now?: Date }): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const { token, secret } = bootstrapTokenSecret({ ...o, now: o.now ?? new Date() });
    try {
      await client.create(R.secrets, 'kube-system', secret);
      return token;
    } catch (err) {
      // a token id drawn twice (1 in 2 billion): draw again
      if (!isStatusError(err, 'AlreadyExists') || attempt > 3) throw err;
    }
  }
}

/** `skiff token list`: the bootstrap tokens, by id */
export async function listBootstrapTokens(client: ApiClient): Promise<NonNullable<ReturnType<typeof describeBootstrapToken>>[]> {
  const items = (await client.list<SecretObject>(R.secrets, 'kube-system')).items;
  return items.flatMap((s) => describeBootstrapToken(s) ?? []).sort((a, b) => a.token.localeCompare(b.token));
}

/** `skiff token delete`: by id or whole token */
export async function deleteBootstrapToken(client: ApiClient, idOrToken: string): Promise<string> {
  const id = /^([a-z0-9]{6})(\.[a-z0-9]{16})?$/.exec(idOrToken)?.[1];
  if (!id) throw invalidArgument(`invalid token "${idOrToken}": use its id (6 characters a-z0-9) or the whole token`);
  try {
    await client.delete(R.secrets, 'kube-system', `${BOOTSTRAP_TOKEN_PREFIX}${id}`);
  } catch (err) {
    if (isStatusError(err, 'NotFound')) throw notFound(`bootstrap token "${id}" not found`);
    throw err;
  }
  return id;
}
