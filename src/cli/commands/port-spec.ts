// Port specs as the docker CLI reads and prints them: `-p [ip:][hostPort:]containerPort[/proto]` and
// `--expose` into ExposedPorts + HostConfig.PortBindings (go-connections nat.ParsePortSpec, with its
// messages), and the mappings back out for `ps` (PORTS, ranges collapsed) and `port`.

/** One `-p` mapping: `80/tcp` → {HostIp, HostPort} (HostPort '' = a random host port). */
export interface PortMapping {
  port: string;
  binding: { HostIp: string; HostPort: string };
}

/** A port of `GET /containers/json` (`Ports`). */
export interface PortSummary {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type: string;
}

/** `ip:host:container` → [ip, host, container]; an IPv6 ip keeps its colons (`[::1]:80:80`, `::1:80:80`). */
function splitParts(raw: string): [string, string, string] {
  const parts = raw.split(':');
  const n = parts.length;
  if (n === 1) return ['', '', parts[0]];
  if (n === 2) return ['', parts[0], parts[1]];
  return [parts.slice(0, n - 2).join(':'), parts[n - 2], parts[n - 1]];
}

/** `80/udp` → ['udp', '80']; no proto → tcp. */
export function splitProtoPort(raw: string): [string, string] {
  const parts = raw.split('/');
  if (raw === '' || parts[0] === '') return ['', ''];
  if (parts.length === 1) return ['tcp', raw];
  if (parts[1] === '') return ['tcp', parts[0]];
  return [parts[1], parts[0]];
}

/** Go's strconv.ParseUint(s, 10, 16), as the error text docker shows. */
function parseUint16(s: string): number {
  if (!/^\d+$/.test(s)) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number(s);
  if (n > 65535) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}

/** `8000` or `8000-8010` → [start, end]. */
export function parsePortRange(ports: string): [number, number] {
  if (ports === '') throw new Error('empty string specified for ports');
  if (!ports.includes('-')) {
    const p = parseUint16(ports);
    return [p, p];
  }
  const [a, b] = ports.split('-');
  const start = parseUint16(a);
  const end = parseUint16(b);
  if (end < start) throw new Error(`invalid range specified for port: ${ports}`);
  return [start, end];
}

/** An IPv4 or IPv6 address as Go's net.ParseIP accepts it. */
function isIp(s: string): boolean {
  return /^(\d{1,3})(\.\d{1,3}){3}$/.test(s) ? s.split('.').every((o) => Number(o) <= 255) : /^[0-9a-fA-F:.]+$/.test(s) && s.includes(':') && isIpv6(s);
}

function isIpv6(s: string): boolean {
  const halves = s.split('::');
  if (halves.length > 2) return false;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const all = [...groups(halves[0]), ...(halves.length === 2 ? groups(halves[1]) : [])];
  const last = all.at(-1) ?? '';
  const v4Tail = last.includes('.');
  if (v4Tail && !isIp(last)) return false;
  const hex = v4Tail ? all.slice(0, -1) : all;
  if (!hex.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  const count = hex.length + (v4Tail ? 2 : 0);
  return halves.length === 2 ? count < 8 : count === 8;
}

/** One `-p` value → its mappings (a range gives one per port), with nat.ParsePortSpec's messages. */
export function parsePortSpec(raw: string): PortMapping[] {
  let [ip, hostPort, containerPort] = splitParts(raw);
  let proto: string;
  [proto, containerPort] = splitProtoPort(containerPort);
  if (containerPort === '') throw new Error(`no port specified: ${raw}<empty>`);
  proto = proto.toLowerCase();
  if (!['tcp', 'udp', 'sctp'].includes(proto)) throw new Error(`invalid proto: ${proto}`);
  if (ip.startsWith('[')) {
    if (!ip.endsWith(']')) throw new Error(`invalid IP address ${ip}: address ${ip}:: missing ']' in address`);
    ip = ip.slice(1, -1);
  }
  if (ip !== '' && !isIp(ip)) throw new Error(`invalid IP address: ${ip}`);
  let start: number, end: number;
  try {
    [start, end] = parsePortRange(containerPort);
  } catch {
    throw new Error(`invalid containerPort: ${containerPort}`);
  }
  let hostStart = 0;
  let hostEnd = 0;
  if (hostPort !== '') {
    try {
      [hostStart, hostEnd] = parsePortRange(hostPort);
    } catch {
      throw new Error(`invalid hostPort: ${hostPort}`);
    }
    // a host range for one container port is the range a random host port is taken from
    if (end - start !== hostEnd - hostStart && end !== start) {
      throw new Error(`invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`);
    }
  }
  const out: PortMapping[] = [];
  for (let i = 0; i <= end - start; i++) {
    let hp = hostPort === '' ? '' : String(hostStart + i);
    if (hostPort !== '' && start === end && hostStart !== hostEnd) hp = `${hostStart}-${hostEnd}`;
    out.push({ port: `${start + i}/${proto}`, binding: { HostIp: ip, HostPort: hp } });
  }
  return out;
}

/** The long form `target=80,published=8080,protocol=udp` → `8080:80/udp` (docker's convertToStandardNotation). */
export function standardNotation(spec: string): string {
  if (!spec.includes('=')) return spec;
  const params: Record<string, string> = { protocol: 'tcp' };
  for (const param of spec.split(',')) {
    const opt = param.split('=');
    if (opt.length < 2) throw new Error(`invalid publish opts format (should be name=value but got '${param}')`);
    params[opt[0]] = opt[1];
  }
  return `${params.published ?? ''}:${params.target ?? ''}/${params.protocol}`;
}

/** `-p` values and `--expose` values → ExposedPorts and PortBindings, as docker run sends them. */
export function publishedPorts(publish: string[], expose: string[]): { exposed: Record<string, object>; bindings: Record<string, PortMapping['binding'][]> } {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, PortMapping['binding'][]> = {};
  for (const spec of publish) {
    for (const m of parsePortSpec(standardNotation(spec))) {
      exposed[m.port] = {};
      (bindings[m.port] ??= []).push(m.binding);
    }
  }
  for (const e of expose) {
    if (e.includes(':')) throw new Error(`invalid port format for --expose: ${e}`);
    const [proto, port] = splitProtoPort(e);
    let start: number, end: number;
    try {
      [start, end] = parsePortRange(port);
    } catch (err) {
      throw new Error(`invalid range format for --expose: ${e}, error: ${(err as Error).message}`);
    }
    for (let p = start; p <= end; p++) exposed[`${p}/${proto}`] ??= {};
  }
  return { exposed, bindings };
}

/** Go's net.JoinHostPort: brackets around an IPv6 host. */
export function joinHostPort(host: string, port: string | number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * docker ps's PORTS (formatter.DisplayablePorts): ports sorted, consecutive unpublished or same-numbered
 * published ports collapsed into ranges (`8000-8002/tcp`, `0.0.0.0:8000-8002->8000-8002/tcp`), other host
 * mappings last (`127.0.0.1:18080->80/tcp`).
 */
export function displayablePorts(ports: PortSummary[] | null | undefined): string {
  const sorted = [...(ports ?? [])].sort(comparePorts);
  const groups = new Map<string, { first: number; last: number }>();
  const result: string[] = [];
  const hostMappings: string[] = [];
  for (const p of sorted) {
    const current = p.PrivatePort;
    let key = p.Type;
    if (p.IP) {
      if (p.PublicPort !== current) {
        hostMappings.push(`${joinHostPort(p.IP, p.PublicPort ?? 0)}->${p.PrivatePort}/${p.Type}`);
        continue;
      }
      key = `${p.IP}/${p.Type}`;
    }
    const g = groups.get(key);
    if (!g) groups.set(key, { first: current, last: current });
    else if (current === g.last + 1) g.last = current;
    else {
      result.push(formGroup(key, g.first, g.last));
      // docker re-inserts the key here, so the new group keeps the key's first position
      groups.set(key, { first: current, last: current });
    }
  }
  for (const [key, g] of groups) result.push(formGroup(key, g.first, g.last));
  return [...result, ...hostMappings].join(', ');
}

function formGroup(key: string, first: number, last: number): string {
  const slash = key.lastIndexOf('/');
  const ip = slash < 0 ? '' : key.slice(0, slash);
  const type = slash < 0 ? key : key.slice(slash + 1);
  let group = first === last ? String(first) : `${first}-${last}`;
  if (ip) group = `${ip}:${group}->${group}`;
  return `${group}/${type}`;
}

function comparePorts(a: PortSummary, b: PortSummary): number {
  if (a.PrivatePort !== b.PrivatePort) return a.PrivatePort - b.PrivatePort;
  if ((a.IP ?? '') !== (b.IP ?? '')) return (a.IP ?? '') < (b.IP ?? '') ? -1 : 1;
  if ((a.PublicPort ?? 0) !== (b.PublicPort ?? 0)) return (a.PublicPort ?? 0) - (b.PublicPort ?? 0);
  return a.Type < b.Type ? -1 : a.Type > b.Type ? 1 : 0;
}

/** sortorder.NaturalLess: digit runs compare as numbers (`2/tcp` before `10/tcp`). */
export function naturalCompare(a: string, b: string): number {
  const chunks = (s: string) => s.match(/\d+|\D+/g) ?? [];
  const x = chunks(a);
  const y = chunks(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const dx = /^\d/.test(x[i]);
    const dy = /^\d/.test(y[i]);
    if (dx && dy) {
      const d = Number(x[i]) - Number(y[i]);
      if (d !== 0) return d;
      if (x[i].length !== y[i].length) return x[i].length - y[i].length;
    } else if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  }
  return x.length - y.length;
}
