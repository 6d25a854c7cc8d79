// The NetworkService: docker's networks (the predefined bridge/host/none and user bridge networks), the
// sandboxes of running containers, and what a daemon start must put right after a crash.
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerNetworking, ContainerNetworkState, EventSink, NetworkInspect, NetworkRecord, NetworkService } from '../types.ts';
import { conflict, failedPrecondition, isKind, SkiffError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { openSocketLb } from './socket-lb.ts';
import { findNetwork, isUserNetwork, syncRules, type ContainerAccess, type DnsControl, type NetCtx } from './context.ts';
import { createNetworkStore, log } from './store.ts';
import { createEmbeddedDns } from './embedded-dns.ts';
import { createPortAllocator } from './ports.ts';
import { nftTableName } from './nft.ts';
import { deleteBridge, deleteNetns, ensureBridge, hostRoutes, setSysctl } from './host.ts';
import { bridgeOf, defaultBridgeRecord, filterNetworks, isPredefined, newNetworkRecord, predefinedRecord, pruneCandidates, type AddressPool } from './records.ts';
import { pruneUntil } from '../../lib/units.ts';
import { attachLive, detachLive, renameEndpoints, setUpSandbox, tearDownSandbox } from './sandbox.ts';
import { checkEndpoint, checkNetworkSpec, normalizeMode } from './spec-check.ts';

export interface NetworkServiceOptions {
  root: string;
  /** the default bridge's Linux bridge (`--bridge`, default skiff0) */
  bridge?: string;
  /** the default bridge's gateway/prefix (`--bip`, default 10.99.0.1/16) */
  bip?: string;
  /** where user networks without --subnet get one (`--default-address-pool`; default 10.100.0.0/14, /24s) */
  addressPool?: AddressPool;
  containers: ContainerAccess;
  events?: EventSink;
  dns?: DnsControl;
}

export interface NetworkEngine extends NetworkService {
  /** what the containers room calls at create, start and exit */
  hooks: ContainerNetworking;
  /** after the containers were re-adopted: tear down sandboxes of containers that are gone, rewrite the rules */
  reconcile(): Promise<void>;
  /** stop the DNS listeners; sandboxes, bridges and rules stay (running containers keep their network) */
  close(): Promise<void>;
}

export const DEFAULT_BRIDGE = 'skiff0';
export const DEFAULT_BIP = '10.99.0.1/16';

const created = () => new Date().toISOString();
const gatewayCidr = (n: NetworkRecord) => `${n.IPAM.Config[0].Gateway}/${n.IPAM.Config[0].Subnet.split('/')[1]}`;
const mtuOf = (n: NetworkRecord) => Number(n.Options['com.docker.network.driver.mtu']) || undefined;

/** Predefined networks: made at the first start, the default bridge kept in step with --bridge/--bip. */
async function ensurePredefined(ctx: NetCtx, bridge: string, bip: string): Promise<void> {
  const all = [...ctx.networks.values()];
  const old = all.find((n) => n.Name === 'bridge');
  const want = defaultBridgeRecord(old?.Id ?? newId(), old?.Created ?? created(), bridge, bip);
  if (!old || JSON.stringify(old.IPAM) !== JSON.stringify(want.IPAM) || bridgeOf(old) !== bridge) {
    if (old && bridgeOf(old) !== bridge) await deleteBridge(bridgeOf(old)).catch((err) => log.warn('old default bridge left', { err }));
    ctx.networks.set(want.Id, want);
    await ctx.store.saveNetwork(want);
  }
  for (const name of ['host', 'none'] as const) {
    if (all.some((n) => n.Name === name)) continue;
    const n = predefinedRecord(newId(), created(), name);
    ctx.networks.set(n.Id, n);
    await ctx.store.saveNetwork(n);
  }
}

function endpointsOf(ctx: NetCtx, networkId: string) {
  return [...ctx.sandboxes.values()].flatMap((sb) => sb.endpoints.filter((e) => e.networkId === networkId && e.ipv4Address));
}

async function inspectNetwork(ctx: NetCtx, n: NetworkRecord): Promise<NetworkInspect> {
  const containers: NetworkInspect['Containers'] = {};
  for (const ep of endpointsOf(ctx, n.Id)) {
    const name = await ctx.containers.get(ep.containerId).then((c) => c.name, () => '');
    containers[ep.containerId] = { Name: name, EndpointID: ep.endpointId, MacAddress: ep.macAddress, IPv4Address: `${ep.ipv4Address}/${ep.prefixLen}`, IPv6Address: '' };
  }
  return { ...n, Containers: containers };
}

async function removeNetwork(ctx: NetCtx, n: NetworkRecord): Promise<void> {
  if (isPredefined(n)) throw new SkiffError('PermissionDenied', `${n.Name} is a pre-defined network and cannot be removed`);
  const eps = endpointsOf(ctx, n.Id);
  if (eps.length) {
    const names = await Promise.all(eps.map((e) => ctx.containers.get(e.containerId).then((c) => c.name, () => e.containerId)));
    throw failedPrecondition(`error while removing network: network ${n.Name} id ${n.Id} has active endpoints (${names.map((x) => `name:"${x}"`).join(', ')})`);
  }
  ctx.networks.delete(n.Id);
  await ctx.store.removeNetwork(n.Id);
  await ctx.dns?.networkDown(n).catch((err) => log.warn('DNS listener not closed', { network: n.Name, err }));
  await Promise.all([
    deleteBridge(bridgeOf(n)),
    rm(join(ctx.store.ipamDir, n.Id), { recursive: true, force: true }),
    syncRules(ctx),
  ]);
  ctx.events?.emit('network', 'destroy', { id: n.Id, attributes: { name: n.Name, type: n.Driver } });
}

/** A running container's sandbox as the API shows it (no CNI config, no container-side IPs of ports). */
function containerStateOf(ctx: NetCtx, id: string): ContainerNetworkState | undefined {
  const sb = ctx.sandboxes.get(id);
  if (!sb) return undefined;
  return { sandboxKey: sb.netns, endpoints: sb.endpoints.map(({ conf: _conf, ...e }) => e), ports: sb.ports.map(({ containerIp: _ip, ...p }) => p) };
}

export async function createNetworkService(opts: NetworkServiceOptions): Promise<NetworkEngine> {
  const store = await createNetworkStore(opts.root);
  const ctx: NetCtx = {
    root: opts.root, table: nftTableName(opts.root), store, networks: new Map(), sandboxes: new Map(), ports: createPortAllocator(),
    containers: opts.containers, events: opts.events, dns: opts.dns,
    hostResolv: await readFile('/etc/resolv.conf', 'utf8').catch(() => ''), nftTail: Promise.resolve(),
    socketLb: openSocketLb(nftTableName(opts.root).replace(/^skiff_?/, '') || 'main'),
  };
  const embedded = opts.dns ? undefined : createEmbeddedDns(() => ({ networks: ctx.networks.values(), endpoints: [...ctx.sandboxes.values()].flatMap((sb) => sb.endpoints) }), ctx.hostResolv);
  ctx.dns ??= embedded;
  for (const n of await store.loadNetworks()) ctx.networks.set(n.Id, n);
  await ensurePredefined(ctx, opts.bridge ?? DEFAULT_BRIDGE, opts.bip ?? DEFAULT_BIP);
  const loaded = await store.loadSandboxes();
  for (const sb of loaded) {
    ctx.sandboxes.set(sb.containerId, sb);
    ctx.ports.adopt(sb.containerId, sb.ports);
  }
  await setSysctl('net/ipv4/ip_forward', '1');
  await Promise.all([...ctx.networks.values()].filter((n) => n.Driver === 'bridge').map((n) => ensureBridge(bridgeOf(n), gatewayCidr(n), mtuOf(n))));
  // creates and removals of networks, one at a time (names and subnets are checked against the others)
  let chain: Promise<unknown> = Promise.resolve();
  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn, fn);
    chain = next.catch(() => {}); // the caller hears of the failure; the queue goes on
    return next;
  };

  const service: NetworkEngine = {
    async list(filters = {}) {
      const all = [...ctx.networks.values()].sort((a, b) => a.Name.localeCompare(b.Name));
      return filterNetworks(all, filters, (n) => endpointsOf(ctx, n.Id).length);
    },
    inspect: async (idOrName) => inspectNetwork(ctx, findNetwork(ctx, idOrName)),
    create: (req) => serialized(async () => {
      const n = newNetworkRecord(req, newId(), created(), [...ctx.networks.values()], await hostRoutes(), opts.addressPool);
      await ensureBridge(bridgeOf(n), gatewayCidr(n), mtuOf(n));
      try {
        await store.saveNetwork(n);
        ctx.networks.set(n.Id, n);
        await syncRules(ctx);
      } catch (err) {
        ctx.networks.delete(n.Id);
        await store.removeNetwork(n.Id);
        await deleteBridge(bridgeOf(n)).catch((e) => log.warn('bridge left after a failed create', { err: e }));
        throw err;
      }
      await ctx.dns?.networkUp(n).catch((err) => log.warn('DNS listener not started', { network: n.Name, err }));
      ctx.events?.emit('network', 'create', { id: n.Id, attributes: { name: n.Name, type: n.Driver } });
      return { Id: n.Id, Warning: '' };
    }),
    remove: (idOrName) => serialized(async () => removeNetwork(ctx, findNetwork(ctx, idOrName))),
    async prune(filters = {}) {
      const cutoff = pruneUntil(filters);
      const deleted: string[] = [];
      for (const n of pruneCandidates([...ctx.networks.values()], filters)) {
        if (isPredefined(n) || (cutoff !== undefined && Date.parse(n.Created) >= cutoff)) continue;
        try {
          await serialized(() => removeNetwork(ctx, n));
          deleted.push(n.Name);
        } catch (err) {
          if (!isKind(err, 'FailedPrecondition') && !isKind(err, 'NotFound')) throw err;
        }
      }
      return { NetworksDeleted: deleted };
    },
    async connect(idOrName, container, req) {
      const n = findNetwork(ctx, idOrName);
      const c = await ctx.containers.get(container);
      if (n.Driver !== 'bridge') throw failedPrecondition(`container cannot be disconnected from host network or connected to host network`);
      await ctx.containers.update(c.id, async (rec) => {
        const mode = normalizeMode(rec.spec.host.networkMode);
        if (mode === 'host' || mode === 'none' || mode.startsWith('container:')) {
          throw failedPrecondition(mode === 'none'
            ? 'container cannot be connected to multiple networks with one of the networks in private (none) mode'
            : 'container sharing network namespace with another container or host cannot be connected to any other network');
        }
        const nets = rec.spec.networks ?? { [mode]: {} };
        if (Object.keys(nets).some((k) => k === n.Name || k === n.Id)) throw conflict(`endpoint with name ${rec.name} already exists in network ${n.Name}`);
        const checked = checkEndpoint(n, req);
        if (rec.state.status === 'running' || rec.state.status === 'paused') await attachLive(ctx, rec, n, checked);
        rec.spec = { ...rec.spec, networks: { ...nets, [n.Name]: checked } };
      });
      ctx.events?.emit('network', 'connect', { id: n.Id, attributes: { container: c.id, name: n.Name, type: n.Driver } });
    },
    async disconnect(idOrName, container, force) {
      const n = findNetwork(ctx, idOrName);
      const c = await ctx.containers.get(container);
      await ctx.containers.update(c.id, async (rec) => {
        const mode = normalizeMode(rec.spec.host.networkMode);
        const nets = { ...(rec.spec.networks ?? { [mode]: {} }) };
        const key = Object.keys(nets).find((k) => k === n.Name || k === n.Id);
        if (!key && !force) throw failedPrecondition(`container ${rec.id} is not connected to network ${n.Name}`);
        await detachLive(ctx, rec.id, n.Id);
        if (key) delete nets[key];
        rec.spec = { ...rec.spec, networks: nets };
      });
      ctx.events?.emit('network', 'disconnect', { id: n.Id, attributes: { container: c.id, name: n.Name, type: n.Driver } });
    },
    containerState: (id) => containerStateOf(ctx, id),
    hooks: {
      checkSpec: (spec, image) => checkNetworkSpec(ctx, spec, image),
      setUp: (rec, files) => setUpSandbox(ctx, rec, files),
      tearDown: (rec) => tearDownSandbox(ctx, rec.id),
      renamed: (rec, oldName) => renameEndpoints(ctx, rec, oldName),
      state: (id) => containerStateOf(ctx, id),
    },
    close: async () => {
      ctx.socketLb?.close();
      await embedded?.close();
    },
    async reconcile() {
      const all = await ctx.containers.list();
      const running = new Set(all.filter((c) => c.state.status === 'running' || c.state.status === 'paused').map((c) => c.id));
      for (const sb of loaded) {
        if (running.has(sb.containerId) || ctx.sandboxes.get(sb.containerId) !== sb) continue;
        log.info('tearing down the sandbox of a container that is gone', { id: sb.containerId.slice(0, 12) });
        await tearDownSandbox(ctx, sb.containerId).catch((err) => log.warn('teardown failed', { id: sb.containerId.slice(0, 12), err }));
      }
      // a namespace whose record a crash kept from being written (only ours: named after our containers)
      const ours = new Set(all.filter((c) => !running.has(c.id)).map((c) => c.id));
      for (const name of await readdir('/run/netns').catch(() => [] as string[])) {
        const id = /^skiff-([0-9a-f]{64})$/.exec(name)?.[1];
        if (id && ours.has(id) && !ctx.sandboxes.has(id)) await deleteNetns(id).catch((err) => log.warn('stale namespace left', { id: id.slice(0, 12), err }));
      }
      await syncRules(ctx);
      for (const n of ctx.networks.values()) {
        if (isUserNetwork(n)) await ctx.dns?.networkUp(n).catch((err) => log.warn('DNS listener not started', { network: n.Name, err }));
      }
    },
  };
  return service;
}
