// What the parts of the network room share: records in memory, the store, the port allocator, the nft
// table, the neighbours it asks about containers, and the one serialized rewrite of the rules.
import type { ContainerRecord, EventSink, NetworkRecord } from '../types.ts';
import { notFound } from '../../lib/errors.ts';
import type { NetworkStore, SandboxRecord } from './store.ts';
import type { PortAllocator } from './ports.ts';
import { applyRuleset, renderRuleset, type NftPort } from './nft.ts';
import { bridgeOf, NO_EMBEDDED_DNS_OPTION, NO_MASQUERADE_TO_OPTION, subnetOf } from './records.ts';
import { formatCidr } from './subnet.ts';
import type { SocketLb } from './socket-lb.ts';

/** What the network room needs to know of containers (the containers room provides it). */
export interface ContainerAccess {
  /** by id, unique id prefix or name; NotFound otherwise */
  get(idOrName: string): Promise<ContainerRecord>;
  list(): Promise<ContainerRecord[]>;
  /** run `fn` in the container's lifecycle turn, then save its record */
  update(id: string, fn: (rec: ContainerRecord) => Promise<void>): Promise<void>;
}

/** The embedded DNS server's side: told when networks come and go (engine/network/dns-wiring). */
export interface DnsControl {
  networkUp(n: NetworkRecord): Promise<void>;
  networkDown(n: NetworkRecord): Promise<void>;
}

export interface NetCtx {
  root: string;
  table: string;
  store: NetworkStore;
  networks: Map<string, NetworkRecord>;
  sandboxes: Map<string, SandboxRecord>;
  ports: PortAllocator;
  containers: ContainerAccess;
  events?: EventSink;
  dns?: DnsControl;
  /** the host's /etc/resolv.conf, read at start */
  hostResolv: string;
  /** rewrites of the nft table, one after another */
  nftTail: Promise<void>;
  /** connect()-time rewrite of published ports for host sockets (null: DNAT only) */
  socketLb?: SocketLb | null;
}

export function findNetwork(ctx: NetCtx, idOrName: string): NetworkRecord {
  const all = [...ctx.networks.values()];
  const hit = all.find((n) => n.Name === idOrName) ?? all.find((n) => n.Id === idOrName);
  if (hit) return hit;
  const byPrefix = idOrName.length >= 1 ? all.filter((n) => n.Id.startsWith(idOrName)) : [];
  if (byPrefix.length === 1) return byPrefix[0];
  throw notFound(`network ${idOrName} not found`);
}

export const defaultBridge = (ctx: NetCtx) => [...ctx.networks.values()].find((n) => n.Name === 'bridge' && n.Driver === 'bridge')!;

export const isUserNetwork = (n: NetworkRecord) => n.Driver === 'bridge' && n.Options['com.docker.network.bridge.default_bridge'] !== 'true';

/** Rewrite the nft table from the current state (serialized; each rewrite renders the state of its turn). */
export function syncRules(ctx: NetCtx): Promise<void> {
  // the BPF map first and synchronously: a connect after this never goes to a container that is gone
  try {
    ctx.socketLb?.sync(publishedPorts(ctx));
  } catch (err) {
    return Promise.reject(err);
  }
  const run = ctx.nftTail.then(() => applyRuleset(render(ctx)));
  ctx.nftTail = run.catch(() => {}); // the caller of this rewrite hears of its failure; the next one still runs
  return run;
}

function render(ctx: NetCtx): string {
  const nets = [...ctx.networks.values()].filter((n) => n.Driver === 'bridge').map((n) => ({
    bridge: bridgeOf(n), subnet: formatCidr(subnetOf(n)!), internal: n.Internal,
    // the embedded resolver's address is guarded; a network without it (the pod network) leaves port 53 to its owner
    dnsAddress: isUserNetwork(n) && n.Options[NO_EMBEDDED_DNS_OPTION] !== 'true' ? n.IPAM.Config[0].Gateway : undefined,
    keepSourceTo: n.Options[NO_MASQUERADE_TO_OPTION],
  }));
  return renderRuleset(ctx.table, nets, publishedPorts(ctx));
}

function publishedPorts(ctx: NetCtx): NftPort[] {
  const ports: NftPort[] = [];
  for (const sb of ctx.sandboxes.values()) {
    for (const p of sb.ports) if (p.containerIp) ports.push({ hostIp: p.hostIp, hostPort: p.hostPort, protocol: p.protocol, containerIp: p.containerIp, containerPort: p.containerPort });
  }
  return ports;
}
