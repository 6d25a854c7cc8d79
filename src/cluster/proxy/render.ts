// The proxy's nftables rules, laid out as kube-proxy's nftables mode lays out its `kube-proxy` table: a
// fixed skeleton of base chains and verdict maps keyed by destination (`ip daddr . meta l4proto . th dport`),
// and per service port its own chains — `service-…` (balance over the cluster's endpoints and DNAT), `local-…`
// (this node's), `external-…` (NodePort / LoadBalancer / externalIPs: masquerade or Local policy), and with
// ClientIP affinity one `endpoint-…` chain per endpoint (affinity update, DNAT) as kube-proxy has for all. A Service owns its chains, affinity
// sets and map elements, so a change rewrites exactly those (see transaction.ts). Pure: text only.
import { createHash } from 'node:crypto';
import type { ProxyEndpoint, ServicePortModel } from './model.ts';

export interface ProxyConfig {
  table: string;
  /** this node's pod CIDR: traffic from elsewhere to a ClusterIP is masqueraded (kube-proxy's NodeCIDR local detector) */
  podCIDR?: string;
  /** the node's addresses that serve NodePorts */
  nodeIPs: string[];
  /** the pods' bridge: routed packets reach ClusterIPs only from it (node-1 shares the host's namespace with
   * other clusters, whose ClusterIPs — 10.43.0.1, 10.43.0.10 — are the same addresses) */
  podInterface?: string;
}

/** one element of a set or verdict map: `value` is the verdict ('' for a plain set) */
export interface Element { map: string; key: string; value: string }

/** what one Service contributes to the table */
export interface ServiceRules {
  /** chain name → its rules */
  chains: Map<string, string[]>;
  /** set name → its declaration (affinity sets) */
  sets: Map<string, string>;
  /** `map|key` → element */
  elements: Map<string, Element>;
}

/** the mark that asks the masquerading chain to SNAT a packet (kube-proxy's 0x4000) */
export const MASQUERADE_MARK = '0x4000';

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** kube-proxy's chain prefix: the first 8 base32 characters (40 bits) of sha256(name), then the name */
export function hashedName(prefix: string, name: string): string {
  const h = createHash('sha256').update(name).digest();
  let bits = 0n;
  for (let i = 0; i < 5; i++) bits = (bits << 8n) | BigInt(h[i]);
  let out = '';
  for (let i = 7; i >= 0; i--) out += B32[Number((bits >> BigInt(i * 5)) & 31n)];
  // nft names are at most 255 bytes; the hash keeps truncated ones apart
  return `${prefix}-${out}-${name}`.slice(0, 240);
}

const endpointName = (p: ServicePortModel, e: ProxyEndpoint) => `${p.id}__${e.ip}/${e.port}`;
export const serviceChain = (p: ServicePortModel) => hashedName('service', p.id);
const localChain = (p: ServicePortModel) => hashedName('local', p.id);
const externalChain = (p: ServicePortModel) => hashedName('external', p.id);
const endpointChain = (p: ServicePortModel, e: ProxyEndpoint) => hashedName('endpoint', endpointName(p, e));
// the timeout is part of the name: nft cannot change a set's timeout in place, so a new one replaces it
const affinitySet = (p: ServicePortModel, e: ProxyEndpoint) => hashedName('affinity', `${endpointName(p, e)}_${p.affinitySeconds}s`);

/** hairpin: a pod reaching its own Service must see the reply come from elsewhere, so a source that is one of
 * the endpoints is masqueraded (also when it lands on another endpoint: one rule instead of a chain each) */
function hairpinRule(eps: ProxyEndpoint[]): string {
  const ips = [...new Set(eps.map((e) => e.ip))];
  return `ip saddr ${ips.length === 1 ? ips[0] : `{ ${ips.join(', ')} }`} jump mark-for-masquerade`;
}

/** pick an endpoint: a client seen lately keeps its endpoint (ClientIP affinity: a chain per endpoint, as
 * kube-proxy), else one at random, DNATed right here (no chain per endpoint: the kernel checks every chain of
 * the table on each commit, and nft reads them all, so 10,000 endpoint chains made each update ~5x dearer) */
function balanceRules(p: ServicePortModel, eps: ProxyEndpoint[]): string[] {
  if (p.affinitySeconds !== undefined) {
    const rules = eps.map((e) => `ip saddr @${affinitySet(p, e)} goto ${endpointChain(p, e)}`);
    if (eps.length === 1) return [...rules, `goto ${endpointChain(p, eps[0])}`];
    return [...rules, `numgen random mod ${eps.length} vmap { ${eps.map((e, i) => `${i} : goto ${endpointChain(p, e)}`).join(', ')} }`];
  }
  const to = eps.length === 1 ? `${eps[0].ip}:${eps[0].port}` : `numgen random mod ${eps.length} map { ${eps.map((e, i) => `${i} : ${e.ip} . ${e.port}`).join(', ')} }`;
  return [hairpinRule(eps), `meta l4proto ${p.protocol} dnat ip to ${to}`];
}

/** with affinity: remember the client, hairpin mark, DNAT */
function endpointRules(p: ServicePortModel, e: ProxyEndpoint): string[] {
  return [`ip saddr ${e.ip} jump mark-for-masquerade`, `update @${affinitySet(p, e)} { ip saddr }`, `meta l4proto ${p.protocol} dnat to ${e.ip}:${e.port}`];
}

/** NodePort and external addresses: masquerade (Cluster), or keep the client's address and stay on this node (Local) */
function externalRules(p: ServicePortModel, cfg: ProxyConfig): string[] {
  if (!p.externalLocal) return ['jump mark-for-masquerade', `goto ${serviceChain(p)}`];
  const rules: string[] = [];
  // pods and the node itself are not "external": they may go anywhere (kube-proxy's short-circuit)
  if (cfg.podCIDR) rules.push(`ip saddr ${cfg.podCIDR} goto ${serviceChain(p)}`);
  rules.push('fib saddr type local jump mark-for-masquerade', `fib saddr type local goto ${serviceChain(p)}`);
  rules.push(p.localEndpoints.length > 0 ? `goto ${localChain(p)}` : 'drop');
  return rules;
}

function addPort(r: ServiceRules, p: ServicePortModel, cfg: ProxyConfig): void {
  const el = (map: string, key: string, value = '') => r.elements.set(`${map}|${key}`, { map, key, value });
  const cluster = p.clusterEndpoints;
  const usesLocal = (p.internalLocal || p.externalLocal) && p.localEndpoints.length > 0;
  const eps = new Map<string, ProxyEndpoint>();
  for (const e of [...cluster, ...(usesLocal ? p.localEndpoints : [])]) eps.set(`${e.ip}:${e.port}`, e);
  if (p.affinitySeconds !== undefined) {
    for (const e of eps.values()) {
      r.chains.set(endpointChain(p, e), endpointRules(p, e));
      r.sets.set(affinitySet(p, e), `type ipv4_addr; flags dynamic,timeout; timeout ${p.affinitySeconds}s;`);
    }
  }
  if (cluster.length > 0) r.chains.set(serviceChain(p), balanceRules(p, cluster));
  if (usesLocal) r.chains.set(localChain(p), balanceRules(p, p.localEndpoints));
  const external = p.nodePort !== undefined || p.externalIPs.length > 0;
  if (external && cluster.length > 0) r.chains.set(externalChain(p), externalRules(p, cfg));

  const internal = p.internalLocal ? p.localEndpoints : cluster;
  for (const ip of p.clusterIPs) {
    el('cluster-ips', ip);
    const key = `${ip} . ${p.protocol} . ${p.port}`;
    if (internal.length > 0) el('service-ips', key, `goto ${p.internalLocal ? localChain(p) : serviceChain(p)}`);
    // no endpoint at all: refuse at once; none on this node under a Local policy: drop, as kube-proxy
    else el('no-endpoint-services', key, cluster.length === 0 ? 'goto reject-chain' : 'drop');
  }
  for (const ip of p.externalIPs) {
    const key = `${ip} . ${p.protocol} . ${p.port}`;
    if (cluster.length > 0) el('service-ips', key, `goto ${externalChain(p)}`);
    else el('no-endpoint-services', key, 'goto reject-chain');
  }
  if (p.nodePort !== undefined) {
    const key = `${p.protocol} . ${p.nodePort}`;
    if (cluster.length > 0) el('service-nodeports', key, `goto ${externalChain(p)}`);
    else el('no-endpoint-nodeports', key, 'goto reject-chain');
  }
}

/** the rules of one Service (all its ports) */
export function renderService(ports: ServicePortModel[], cfg: ProxyConfig): ServiceRules {
  const r: ServiceRules = { chains: new Map(), sets: new Map(), elements: new Map() };
  for (const p of ports) addPort(r, p, cfg);
  return r;
}

const MAPS: Array<[string, string]> = [
  ['cluster-ips', 'set cluster-ips { type ipv4_addr; }'],
  ['nodeport-ips', 'set nodeport-ips { type ipv4_addr; }'],
  ['service-ips', 'map service-ips { type ipv4_addr . inet_proto . inet_service : verdict; }'],
  ['service-nodeports', 'map service-nodeports { type inet_proto . inet_service : verdict; }'],
  ['no-endpoint-services', 'map no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict; }'],
  ['no-endpoint-nodeports', 'map no-endpoint-nodeports { type inet_proto . inet_service : verdict; }'],
];

/** the fixed chains: hooks (filter before DNAT for "no endpoints" rejects, NAT), dispatch and helpers */
function skeletonChains(cfg: ProxyConfig): Array<[string, string | null, string[]]> {
  const notPods = cfg.podCIDR ? ` ip saddr != ${cfg.podCIDR}` : '';
  return [
    ['filter-input', 'type filter hook input priority -110; policy accept;', ['ct state new jump nodeport-endpoints-check', 'ct state new jump service-endpoints-check']],
    ['filter-forward', 'type filter hook forward priority -110; policy accept;', ['ct state new jump service-endpoints-check', 'ct state new jump cluster-ips-check']],
    ['filter-output', 'type filter hook output priority -110; policy accept;', ['ct state new jump service-endpoints-check']],
    // after DNAT: a ClusterIP still the destination names a port the Service does not have
    ['filter-output-post-dnat', 'type filter hook output priority -90; policy accept;', ['ct state new jump cluster-ips-check']],
    ['nat-prerouting', 'type nat hook prerouting priority dstnat; policy accept;', [
      ...(cfg.podInterface ? [`ip daddr @cluster-ips iifname != "${cfg.podInterface}" return`] : []), 'jump services',
    ]],
    ['nat-output', 'type nat hook output priority -100; policy accept;', ['jump services']],
    // before the cluster network's identity SNAT of pod-to-pod packets (srcnat - 10): the first NAT wins,
    // and a hairpin or NodePort packet between pods must be masqueraded
    ['nat-postrouting', 'type nat hook postrouting priority srcnat - 20; policy accept;', ['jump masquerading']],
    ['services', null, [
      `ip daddr @cluster-ips${notPods} jump mark-for-masquerade`,
      'ip daddr . meta l4proto . th dport vmap @service-ips',
      'ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports',
    ]],
    ['service-endpoints-check', null, ['ip daddr . meta l4proto . th dport vmap @no-endpoint-services']],
    ['nodeport-endpoints-check', null, ['ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports']],
    ['cluster-ips-check', null, ['ip daddr @cluster-ips reject']],
    ['mark-for-masquerade', null, [`meta mark set meta mark | ${MASQUERADE_MARK}`]],
    // not kube-proxy's `fully-random`: random source ports keep landing on the server's TIME_WAIT sockets, and new
    // connections through a ClusterIP (wrk, 8 at a time, the server closing first) fell from ~4,600 to ~1,000 req/s
    // within 12 s; keeping the client's port held ~5,000-6,000 (the kernel resolves the rare SNAT clash itself)
    ['masquerading', null, [`meta mark & ${MASQUERADE_MARK} == 0 return`, `meta mark set meta mark ^ ${MASQUERADE_MARK}`, 'masquerade']],
    ['reject-chain', null, ['reject']],
  ];
}

const chainBlock = (name: string, head: string | null, rules: string[]) =>
  `  chain ${name} {\n${head ? `    ${head}\n` : ''}${rules.map((x) => `    ${x}\n`).join('')}  }\n`;

export const elementText = (e: Element) => (e.value ? `${e.key} : ${e.value}` : e.key);

/** The whole table as one transaction that replaces whatever table of that name is there (start, resync). */
export function renderTable(cfg: ProxyConfig, services: Iterable<ServiceRules>): string {
  const t = cfg.table;
  const parts: string[] = [];
  // by key: two Services naming one address and port (a conflict the API lets through) get one element
  const elements = new Map<string, Map<string, string>>(MAPS.map(([m]) => [m, new Map()]));
  // not loopback (a node IP of 127.0.0.1 in tests): the kernel will not route a DNATed loopback packet out, as
  // kube-proxy's nftables mode, which serves no localhost NodePorts
  for (const ip of cfg.nodeIPs.filter((a) => !a.startsWith('127.'))) elements.get('nodeport-ips')!.set(ip, ip);
  for (const [name, head, rules] of skeletonChains(cfg)) parts.push(chainBlock(name, head, rules));
  for (const s of services) {
    for (const [name, rules] of s.chains) parts.push(chainBlock(name, null, rules));
    for (const [name, decl] of s.sets) parts.push(`  set ${name} { ${decl} }\n`);
    for (const e of s.elements.values()) if (!elements.get(e.map)!.has(e.key)) elements.get(e.map)!.set(e.key, elementText(e));
  }
  for (const [, decl] of MAPS) parts.push(`  ${decl}\n`);
  const fill = [...elements].filter(([, els]) => els.size > 0).map(([m, els]) => `add element ip ${t} ${m} { ${[...els.values()].join(', ')} }\n`);
  return `table ip ${t} {}\ndelete table ip ${t}\ntable ip ${t} {\n${parts.join('')}}\n${fill.join('')}`;
}
