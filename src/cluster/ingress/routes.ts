// The routing table of the Ingress controller, built from the Ingresses of our class (pure: tested alone).
// Precedence as the Ingress spec and ingress-nginx give it: the host picks the rules (an exact host before a
// wildcard one, `*.a.test` matching one label, before the rules without host); among them the longest
// matching path wins, Exact before Prefix at the same length; no match: the oldest Ingress's default backend.
// ImplementationSpecific paths match as Prefix does (by path elements).
import type { Ingress, IngressBackend, IngressClass } from 'kubernetes-types/networking/v1.js';

export const controllerId = 'skiff.io/ingress';
export const className = 'skiff';
export const defaultClassAnnotation = 'ingressclass.kubernetes.io/is-default-class';
const legacyClassAnnotation = 'kubernetes.io/ingress.class';

/** where a request goes: a Service port in the Ingress's namespace */
export interface Backend {
  namespace: string;
  /** `ns/name` of the Ingress that routed it (for events) */
  ingress: string;
  service: string;
  port: number | string;
}

interface PathRoute {
  path: string;
  exact: boolean;
  backend: Backend;
  /** creation order of the Ingress, so the oldest wins a tie */
  order: number;
}

export interface TlsRef {
  namespace: string;
  ingress: string;
  secret: string;
}

export interface RouteTable {
  exact: Map<string, PathRoute[]>;
  wildcard: Map<string, PathRoute[]>;
  any: PathRoute[];
  defaultBackend?: Backend;
  /** host (or `*.suffix`) → the Secret that holds its certificate */
  tls: Map<string, TlsRef>;
}

/** whether the Ingress is ours: class `skiff` (or another class naming our controller), or no class when ours is the default */
export function isOurs(ing: Ingress, classes: IngressClass[]): boolean {
  const ours = (name: string) => classes.some((c) => c.metadata?.name === name && c.spec?.controller === controllerId);
  const named = ing.spec?.ingressClassName ?? ing.metadata?.annotations?.[legacyClassAnnotation];
  if (named) return ours(named);
  return classes.some((c) => c.spec?.controller === controllerId && c.metadata?.annotations?.[defaultClassAnnotation] === 'true');
}

function toBackend(b: IngressBackend | undefined, namespace: string, ingress: string): Backend | undefined {
  const svc = b?.service;
  if (!svc?.name) return undefined;
  const port = svc.port?.number ?? svc.port?.name;
  if (port === undefined || port === '') return undefined;
  return { namespace, ingress, service: svc.name, port };
}

const byPrecedence = (a: PathRoute, b: PathRoute) =>
  b.path.length - a.path.length || Number(b.exact) - Number(a.exact) || a.order - b.order;

/** the table for these Ingresses (already filtered to ours) */
export function buildRoutes(ingresses: Ingress[]): RouteTable {
  const sorted = [...ingresses].sort((a, b) =>
    (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? '') ||
    `${a.metadata?.namespace}/${a.metadata?.name}`.localeCompare(`${b.metadata?.namespace}/${b.metadata?.name}`));
  const table: RouteTable = { exact: new Map(), wildcard: new Map(), any: [], tls: new Map() };
  sorted.forEach((ing, order) => {
    const namespace = ing.metadata?.namespace ?? 'default';
    const key = `${namespace}/${ing.metadata?.name}`;
    table.defaultBackend ??= toBackend(ing.spec?.defaultBackend, namespace, key);
    for (const rule of ing.spec?.rules ?? []) {
      const host = rule.host?.toLowerCase();
      const list = !host ? table.any : host.startsWith('*.') ? getOrAdd(table.wildcard, host.slice(1)) : getOrAdd(table.exact, host);
      for (const p of rule.http?.paths ?? []) {
        const backend = toBackend(p.backend, namespace, key);
        if (!backend) continue;
        const exact = p.pathType === 'Exact';
        list.push({ path: exact ? (p.path ?? '/') : trimSlash(p.path ?? '/'), exact, backend, order });
      }
    }
    for (const t of ing.spec?.tls ?? []) {
      if (!t.secretName) continue;
      for (const h of t.hosts ?? []) if (!table.tls.has(h.toLowerCase())) table.tls.set(h.toLowerCase(), { namespace, ingress: key, secret: t.secretName });
    }
  });
  for (const l of [...table.exact.values(), ...table.wildcard.values(), table.any]) l.sort(byPrecedence);
  return table;
}

function getOrAdd<K, V>(m: Map<K, V[]>, k: K): V[] {
  let v = m.get(k);
  if (!v) m.set(k, (v = []));
  return v;
}

const trimSlash = (p: string) => (p.length > 1 && p.endsWith('/') ? p.replace(/\/+$/, '') : p);

/** Prefix by elements: `/api` matches `/api`, `/api/` and `/api/x`, not `/apix` */
function pathMatches(r: PathRoute, path: string): boolean {
  if (r.exact) return path === r.path;
  if (r.path === '/') return true;
  return path === r.path || path.startsWith(`${r.path}/`);
}

/** the host without port or trailing dot, lower-cased */
export function normalHost(host: string | undefined): string {
  if (!host) return '';
  const h = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d*$/, '');
  return h.replace(/\.$/, '').toLowerCase();
}

const wildcardKey = (host: string) => {
  const dot = host.indexOf('.');
  return dot > 0 ? host.slice(dot) : undefined;
};

/** the backend for a request, or undefined (404) */
export function route(table: RouteTable, host: string, rawPath: string): Backend | undefined {
  const path = (rawPath.split('?')[0] || '/').replace(/^(?!\/)/, '/');
  const h = normalHost(host);
  const wk = wildcardKey(h);
  // the most specific host that has rules decides; a path none of its rules match gets the default backend
  const list = table.exact.get(h) ?? (wk ? table.wildcard.get(wk) : undefined) ?? table.any;
  return list.find((r) => pathMatches(r, path))?.backend ?? table.defaultBackend;
}

/** the Secret for a TLS server name (exact host, then `*.suffix`) */
export function tlsFor(table: RouteTable, serverName: string): TlsRef | undefined {
  const h = normalHost(serverName);
  const wk = wildcardKey(h);
  return table.tls.get(h) ?? (wk ? table.tls.get(`*${wk}`) : undefined);
}
