// TLS for the Ingress listener: the certificate for a server name (SNI) comes from the kubernetes.io/tls
// Secret an Ingress names for that host; other names get the controller's own self-signed one (as
// ingress-nginx's "fake certificate"). Contexts are cached per Secret resourceVersion.
import { createSecureContext, type SecureContext } from 'node:tls';
import type { Secret } from 'kubernetes-types/core/v1.js';
import type { TlsRef } from './routes.ts';

export interface CertStore {
  /** the context for a TLS reference, or the default one (when the reference is missing or broken) */
  contextFor(ref: TlsRef | undefined): SecureContext;
  /** what is wrong with the referenced Secret, or undefined when it serves */
  problem(ref: TlsRef): { reason: string; message: string } | undefined;
  /** drops a deleted Secret's context */
  forget(namespace: string, name: string): void;
}

const decode = (s: string | undefined) => (s ? Buffer.from(s, 'base64').toString('utf8') : '');

export function createCertStore(getSecret: (namespace: string, name: string) => Secret | undefined, fallback: { cert: string; key: string }): CertStore {
  const defaultContext = createSecureContext({ cert: fallback.cert, key: fallback.key });
  const cache = new Map<string, { rv: string; ctx?: SecureContext; error?: string }>();

  function load(ref: TlsRef): { ctx?: SecureContext; error?: string; missing?: boolean } {
    const secret = getSecret(ref.namespace, ref.secret);
    if (!secret) return { missing: true };
    const key = `${ref.namespace}/${ref.secret}`;
    const rv = secret.metadata?.resourceVersion ?? '';
    const hit = cache.get(key);
    if (hit && hit.rv === rv) return hit;
    let entry: { rv: string; ctx?: SecureContext; error?: string };
    const cert = decode(secret.data?.['tls.crt']) || secret.stringData?.['tls.crt'] || '';
    const pem = decode(secret.data?.['tls.key']) || secret.stringData?.['tls.key'] || '';
    if (!cert || !pem) entry = { rv, error: 'it has no tls.crt and tls.key' };
    else {
      try {
        entry = { rv, ctx: createSecureContext({ cert, key: pem }) };
      } catch (err) {
        entry = { rv, error: `its certificate or key is unusable: ${(err as Error).message}` };
      }
    }
    cache.set(key, entry);
    return entry;
  }

  return {
    contextFor: (ref) => (ref && load(ref).ctx) || defaultContext,
    forget: (namespace, name) => void cache.delete(`${namespace}/${name}`),
    problem(ref) {
      const r = load(ref);
      if (r.missing) return { reason: 'SecretNotFound', message: `secret "${ref.namespace}/${ref.secret}" not found: its hosts get the default certificate` };
      if (r.error) return { reason: 'InvalidSecret', message: `secret "${ref.namespace}/${ref.secret}": ${r.error}` };
      return undefined;
    },
  };
}
