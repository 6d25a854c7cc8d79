// The kubelet's token manager (kube's pkg/kubelet/token): tokens for pods' projected serviceAccountToken
// sources, asked of the API server through TokenRequest bound to the pod, cached per pod/account/audience/
// lifetime and asked again once 80 % of their life has passed (or a day, for long ones), so the resync that
// re-writes projected volumes every few seconds swaps in a fresh token before the old one runs out. When the
// API server cannot be reached, a cached token that is still valid keeps being served.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ApiClient } from '../client/types.ts';
import type { KObject } from '../types/meta.ts';
import { R } from '../types/gvr.ts';
import { logger } from '../../lib/log.ts';

const log = logger('kubelet');
const DAY_MS = 24 * 3600 * 1000;

interface Cached { token: string; issuedMs: number; expiresMs: number }

export interface TokenManager {
  /** a token for the pod's account with this audience ('' or undefined: the API server's) and lifetime */
  get(pod: Pod, audience: string | undefined, expirationSeconds: number): Promise<string>;
}

/** kube's requiresRefresh: past 80 % of its life, or older than a day */
export function needsRefresh(c: Cached, nowMs: number): boolean {
  return nowMs >= c.issuedMs + 0.8 * (c.expiresMs - c.issuedMs) || nowMs - c.issuedMs > DAY_MS;
}

export function createTokenManager(client: ApiClient, now: () => Date = () => new Date()): TokenManager {
  const cache = new Map<string, Cached>();
  const inflight = new Map<string, Promise<string>>();

  async function request(pod: Pod, audience: string | undefined, expirationSeconds: number): Promise<Cached> {
    const ns = pod.metadata?.namespace ?? 'default';
    const sa = pod.spec?.serviceAccountName || 'default';
    const issuedMs = now().getTime();
    const body: KObject = {
      apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { name: sa, namespace: ns },
      spec: { audiences: audience ? [audience] : [], expirationSeconds, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata?.name, uid: pod.metadata?.uid } },
    };
    const out = await client.create<KObject & { status?: { token?: string; expirationTimestamp?: string } }>(R.serviceaccounts, ns, body, { subresource: 'token', name: sa });
    const token = out.status?.token;
    const expiresMs = Date.parse(out.status?.expirationTimestamp ?? '');
    if (!token || Number.isNaN(expiresMs)) throw new Error(`the TokenRequest for serviceaccount ${ns}/${sa} returned no token`);
    return { token, issuedMs, expiresMs };
  }

  return {
    get(pod, audience, expirationSeconds) {
      const key = [pod.metadata?.uid, pod.metadata?.namespace, pod.spec?.serviceAccountName, audience ?? '', expirationSeconds].join('|');
      const nowMs = now().getTime();
      for (const [k, c] of cache) if (c.expiresMs <= nowMs) cache.delete(k); // gone pods' tokens go once they expire
      const cached = cache.get(key);
      if (cached && !needsRefresh(cached, nowMs)) return Promise.resolve(cached.token);
      const pending = inflight.get(key);
      if (pending) return pending;
      const p = request(pod, audience, expirationSeconds).then((c) => {
        cache.set(key, c);
        return c.token;
      }, (err: unknown) => {
        if (cached && cached.expiresMs > nowMs) {
          log.warn('refreshing a service account token failed; the cached one is still valid', { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, err: (err as Error).message });
          return cached.token;
        }
        throw new Error(`failed to fetch token: ${(err as Error).message}`, { cause: err });
      }).finally(() => inflight.delete(key));
      inflight.set(key, p);
      return p;
    },
  };
}
