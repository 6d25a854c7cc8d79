// `docker ps` filters over container records: id, name, label, status, exited, ancestor, before, since, health,
// network, volume, publish, expose.
import type { ContainerFilter, ContainerNetworkState, ContainerRecord } from '../types.ts';
import { invalidArgument } from '../../lib/errors.ts';

const known = new Set(['id', 'name', 'label', 'status', 'exited', 'ancestor', 'before', 'since', 'health', 'network', 'volume', 'publish', 'expose', 'is-task']);
const statuses = new Set(['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead']);
const healthValues = new Set(['starting', 'healthy', 'unhealthy', 'none']);

function labelMatches(labels: Record<string, string>, want: string): boolean {
  const eq = want.indexOf('=');
  if (eq < 0) return want in labels;
  const key = want.slice(0, eq);
  return key in labels && labels[key] === want.slice(eq + 1);
}

const isRunningLike = (r: ContainerRecord) => r.state.status === 'running' || r.state.status === 'paused' || r.state.status === 'restarting';

/**
 * Filter and order records newest first. `resolve` finds a container by id/name (before/since),
 * `imageMatches(ref, rec)` decides `ancestor`.
 */
export function filterContainers(
  records: Iterable<ContainerRecord>,
  f: ContainerFilter,
  resolve: (idOrName: string) => ContainerRecord | undefined,
  imageMatches: (ref: string, rec: ContainerRecord) => boolean,
  net: (id: string) => ContainerNetworkState | undefined = () => undefined,
): ContainerRecord[] {
  const filters = f.filters ?? {};
  const publish = portFilter('publish', filters.publish);
  const expose = portFilter('expose', filters.expose);
  for (const key of Object.keys(filters)) if (!known.has(key)) throw invalidArgument(`invalid filter '${key}'`);
  for (const s of filters.status ?? []) if (!statuses.has(s)) throw invalidArgument(`invalid filter 'status=${s}'`);
  for (const h of filters.health ?? []) if (!healthValues.has(h)) throw invalidArgument(`Unrecognised filter value for health: ${h}`);
  const exited = (filters.exited ?? []).map((v) => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw invalidArgument(`invalid filter 'exited=${v}'`);
    return n;
  });
  const bound = (key: 'before' | 'since') => {
    const v = filters[key]?.[0];
    if (!v) return undefined;
    const rec = resolve(v);
    if (!rec) throw invalidArgument(`No such container: ${v}`);
    return rec.created;
  };
  const before = bound('before');
  const since = bound('since');
  // status/exited/before/since filters imply --all, as in docker
  const all = f.all || !!filters.status?.length || exited.length > 0 || before !== undefined || since !== undefined;
  const out: ContainerRecord[] = [];
  for (const r of records) {
    if (!all && !isRunningLike(r)) continue;
    if (filters.id?.length && !filters.id.some((p) => r.id.startsWith(p))) continue;
    if (filters.name?.length && !filters.name.some((n) => safeRegex(n).test(r.name) || safeRegex(n).test('/' + r.name))) continue;
    if (filters.label?.length && !filters.label.every((l) => labelMatches(r.spec.labels ?? {}, l))) continue;
    if (filters.status?.length && !filters.status.includes(r.state.status)) continue;
    if (exited.length && (r.state.status !== 'exited' || !exited.includes(r.state.exitCode))) continue;
    if (filters.ancestor?.length && !filters.ancestor.some((a) => imageMatches(a, r))) continue;
    if (filters.health?.length && !filters.health.includes(r.state.health?.status ?? 'none')) continue;
    if (filters.network?.length && !filters.network.some((n) => onNetwork(r, n, net(r.id)))) continue;
    if (filters.volume?.length && !filters.volume.some((v) => r.spec.host.mounts.some((m) => m.target === v || (m.type !== 'tmpfs' && m.source === v)))) continue;
    if (publish && !net(r.id)?.ports.some((p) => publish.has(`${p.hostPort}/${p.protocol}`))) continue;
    if (expose && !(r.spec.exposedPorts ?? []).some((p) => expose.has(p.includes('/') ? p : `${p}/tcp`))) continue;
    if (before !== undefined && !(r.created < before)) continue;
    if (since !== undefined && !(r.created > since)) continue;
    out.push(r);
  }
  out.sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
  return f.limit && f.limit > 0 ? out.slice(0, f.limit) : out;
}

function safeRegex(s: string): RegExp {
  try {
    return new RegExp(s);
  } catch {
    return new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  }
}

/** docker's `network=` match: a network the container is on, by name or by (a prefix of) its id. */
function onNetwork(r: ContainerRecord, want: string, state: ContainerNetworkState | undefined): boolean {
  const mode = r.spec.host.networkMode || 'bridge';
  const names = Object.keys(r.spec.networks ?? (mode.startsWith('container:') ? {} : { [mode]: {} }));
  if (names.includes(want)) return true;
  return !!state?.endpoints.some((e) => e.networkName === want || e.networkId.startsWith(want));
}

/** `publish=`/`expose=` values as docker's portOp reads them: `80`, `80/udp`, `8000-8080/tcp` → `port/proto`. */
function portFilter(key: string, values: string[] | undefined): Set<string> | undefined {
  if (!values?.length) return undefined;
  const out = new Set<string>();
  for (const v of values) {
    if (v.includes(':')) throw invalidArgument(`filter for '${key}' should not contain ':': ${v}`);
    const [port, proto = 'tcp'] = v.split('/');
    const m = /^(\d+)(?:-(\d+))?$/.exec(port);
    const start = Number(m?.[1]);
    const end = m?.[2] !== undefined ? Number(m[2]) : start;
    if (!m || end < start || end > 65535) throw invalidArgument(`error while looking up for ${key} ${v}: invalid port range: ${port}`);
    for (let p = start; p <= end; p++) out.add(`${p}/${proto.toLowerCase()}`);
  }
  return out;
}
