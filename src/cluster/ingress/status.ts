// What an Ingress is told: the address it is served on (the skiff-ingress Service's LoadBalancer address,
// or the listener's own while the pool gave none) and what it names that is missing.
import type { Service } from 'kubernetes-types/core/v1.js';
import type { Ingress, IngressBackend } from 'kubernetes-types/networking/v1.js';
import type { BackendSource } from './backends.ts';
import type { CertStore } from './certs.ts';

export function ingressStatusAddress(published: Service | undefined, fallback: string): string {
  return published?.status?.loadBalancer?.ingress?.find((i) => i.ip)?.ip ?? fallback;
}

export interface Problem {
  reason: string;
  message: string;
}

/** missing Services, ports and TLS Secrets the Ingress names (the other rules keep working) */
export function problemsOf(ing: Ingress, src: BackendSource, certs: CertStore): Problem[] {
  const ns = ing.metadata?.namespace ?? 'default';
  const out: Problem[] = [];
  const seen = new Set<string>();
  const check = (b: IngressBackend | undefined, where: string) => {
    if (b?.resource) out.push({ reason: 'UnsupportedBackend', message: `${where}: resource backends (${b.resource.kind} "${b.resource.name}") are not served; the rule is left out` });
    const svc = b?.service;
    if (!svc?.name) return;
    const port = svc.port?.number ?? svc.port?.name;
    const key = `${svc.name}:${port}`;
    if (seen.has(key)) return;
    seen.add(key);
    const s = src.service(ns, svc.name);
    if (!s) out.push({ reason: 'ServiceNotFound', message: `${where}: service "${ns}/${svc.name}" not found` });
    else if (!(s.spec?.ports ?? []).some((p) => (typeof port === 'number' ? p.port === port : p.name === port))) {
      out.push({ reason: 'ServicePortNotFound', message: `${where}: service "${ns}/${svc.name}" has no port ${port}` });
    }
  };
  check(ing.spec?.defaultBackend, 'default backend');
  for (const r of ing.spec?.rules ?? []) for (const p of r.http?.paths ?? []) check(p.backend, `${r.host ?? '*'}${p.path ?? '/'}`);
  for (const t of ing.spec?.tls ?? []) {
    if (!t.secretName) continue;
    const p = certs.problem({ namespace: ns, ingress: '', secret: t.secretName });
    if (p) out.push(p);
  }
  return out;
}
