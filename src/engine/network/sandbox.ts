// A container's sandbox, made at start: its own network namespace (/run/netns/skiff-<id>, so it outlives
// the daemon), one CNI bridge endpoint per network plus loopback, published ports in the nft table, and
// its /etc/hosts, /etc/resolv.conf, /etc/hostname. Undone when the process exits or the container goes.
import { readFile, writeFile } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import type { ContainerRecord, EndpointRequest, EtcFilePaths, NetworkRecord } from '../types.ts';
import { conflict, isKind } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { bridgeConf, execPlugin, loopbackConf, type CniResult } from './cni.ts';
import { defaultBridge, findNetwork, isUserNetwork, syncRules, type NetCtx } from './context.ts';
import { addNetns, deleteNetns, exists, netnsPath } from './host.ts';
import { bindingsToPublish } from './ports.ts';
import { bridgeOf, NO_EMBEDDED_DNS_OPTION } from './records.ts';
import { log, type SandboxEndpoint, type SandboxRecord } from './store.ts';
import { extraHostLine, renderHosts, renderResolvConf } from './etc.ts';
import { normalizeMode } from './spec-check.ts';

const debug = process.env.SKIFF_LOG === 'debug';

const hostnameOf = (rec: ContainerRecord) => rec.spec.hostname || (normalizeMode(rec.spec.host.networkMode) === 'host' ? osHostname() : rec.id.slice(0, 12));

/** The networks a container is attached to at start, its network mode's first. */
function wantedNetworks(ctx: NetCtx, rec: ContainerRecord): Array<{ net: NetworkRecord; req: EndpointRequest }> {
  const mode = normalizeMode(rec.spec.host.networkMode);
  // disconnected from every network: a namespace with lo only, as docker's
  const entries = Object.entries(rec.spec.networks ?? { [mode]: {} });
  const out = entries.map(([key, req]) => ({ net: findNetwork(ctx, key), req }));
  return out.sort((a, b) => Number(b.net.Name === mode || b.net.Id === mode) - Number(a.net.Name === mode || a.net.Id === mode));
}

/** Which endpoint gives the default route: the highest gw-priority of the non-internal ones, else the first. */
function gatewayEndpoint(targets: Array<{ net: NetworkRecord; req: EndpointRequest }>): number {
  let best = -1;
  targets.forEach((t, i) => {
    if (t.net.Internal) return;
    if (best < 0 || (t.req.gwPriority ?? 0) > (targets[best].req.gwPriority ?? 0)) best = i;
  });
  return best;
}

/** A planned endpoint: what CNI ADD gets, and what DEL needs to undo it. */
export function planEndpoint(ctx: NetCtx, rec: ContainerRecord, net: NetworkRecord, req: EndpointRequest, ifname: string, mac?: string, gateway = false): SandboxEndpoint {
  const defaultRoute = gateway && !net.Internal;
  const cfg = net.IPAM.Config[0];
  const user = isUserNetwork(net);
  const aliases = user ? [...(req.aliases ?? [])] : [];
  return {
    containerId: rec.id, networkId: net.Id, networkName: net.Name, endpointId: newId(), ifname,
    ipv4Address: req.ipv4Address ?? '', prefixLen: 0, gateway: cfg.Gateway, macAddress: req.macAddress ?? mac ?? '',
    aliases, dnsNames: user ? [rec.name, ...aliases, rec.id.slice(0, 12)] : [],
    conf: bridgeConf({ name: net.Id, bridge: bridgeOf(net), subnet: cfg.Subnet, gateway: cfg.Gateway, ipRange: cfg.IPRange, dataDir: ctx.store.ipamDir, defaultRoute, mtu: Number(net.Options['com.docker.network.driver.mtu']) || undefined }),
  };
}

async function addEndpoint(ep: SandboxEndpoint, netns: string): Promise<void> {
  const args: Record<string, string> = {};
  if (ep.ipv4Address) args.IP = ep.ipv4Address;
  if (ep.macAddress) args.MAC = ep.macAddress;
  const result: CniResult = await execPlugin(ep.conf, { command: 'ADD', containerId: ep.containerId, netns, ifname: ep.ifname, args }).catch((err: Error) => {
    // host-local's words for an --ip another endpoint holds; docker's are libnetwork's ErrIPAlreadyAllocated
    if (ep.ipv4Address && /requested IP address \S+ is not available/.test(err.message)) throw conflict(`Address already in use: ${ep.ipv4Address}`, err);
    throw err;
  });
  const ip = result.ips?.[0];
  if (!ip) throw conflict(`CNI bridge gave no address to ${ep.ifname}`);
  const [addr, len] = ip.address.split('/');
  ep.ipv4Address = addr;
  ep.prefixLen = Number(len);
  ep.gateway = ip.gateway ?? ep.gateway;
  const iface = result.interfaces?.find((i) => i.name === ep.ifname && i.sandbox);
  ep.macAddress = iface?.mac ?? ep.macAddress;
}

async function delEndpoint(ep: SandboxEndpoint, netns: string): Promise<void> {
  const ns = netns && (await exists(netns)) ? netns : '';
  await execPlugin(ep.conf, { command: 'DEL', containerId: ep.containerId, netns: ns, ifname: ep.ifname });
}

/** Make the container's sandbox; on failure nothing of it is left. Returns the netns the OCI spec joins. */
export async function setUpSandbox(ctx: NetCtx, rec: ContainerRecord, files: EtcFilePaths): Promise<{ netnsPath: string | null }> {
  const mode = normalizeMode(rec.spec.host.networkMode);
  if (mode === 'host') {
    await writeEtcFiles(ctx, rec, files, { hostMode: true });
    return { netnsPath: null };
  }
  if (mode.startsWith('container:')) return joinContainer(ctx, rec, files, mode.slice('container:'.length));
  if (ctx.sandboxes.has(rec.id)) await tearDownSandbox(ctx, rec.id);
  const targets = mode === 'none' ? [] : wantedNetworks(ctx, rec);
  const ns = netnsPath(rec.id);
  const sb: SandboxRecord = { containerId: rec.id, netns: ns, endpoints: [], ports: [] };
  const bindings = targets.length ? bindingsToPublish(rec.spec) : [];
  const gw = gatewayEndpoint(targets);
  sb.endpoints = targets.map((t, i) => planEndpoint(ctx, rec, t.net, t.req, `eth${i}`, i === 0 ? rec.spec.macAddress : undefined, i === gw));
  // host ports first: a port in use fails the start before anything is made
  const ports = bindings.length ? await ctx.ports.reserve(rec.id, bindings).catch((err: unknown) => {
    if (!isKind(err, 'Conflict')) throw err;
    throw conflict(`failed to set up container networking: driver failed programming external connectivity on endpoint ${rec.name} (${sb.endpoints[0].endpointId}): ${err.message}`, err);
  }) : [];
  sb.ports = ports.map((p) => ({ ...p, containerIp: '' }));
  ctx.sandboxes.set(rec.id, sb);
  const t0 = performance.now();
  const lap = (what: string) => debug && log.debug(`sandbox ${rec.id.slice(0, 12)}: ${what}`, { ms: +(performance.now() - t0).toFixed(1) });
  try {
    // on disk before CNI makes a veth or takes a lease, so a teardown after a crash knows what to undo (a
    // namespace made meanwhile and left by a crash is found by its name at the next start: reconcile)
    await Promise.all([ctx.store.saveSandbox(sb), addNetns(rec.id)]);
    lap('record written, netns made');
    await Promise.all([
      execPlugin(loopbackConf, { command: 'ADD', containerId: rec.id, netns: ns, ifname: 'lo' }),
      ...sb.endpoints.map((ep) => addEndpoint(ep, ns)),
    ]);
    lap('CNI ADD done');
    for (const p of sb.ports) p.containerIp = sb.endpoints[0].ipv4Address;
    await Promise.all([
      ctx.store.saveSandbox(sb, true),
      sb.ports.length ? syncRules(ctx) : undefined,
      writeEtcFiles(ctx, rec, files, {}),
    ]);
    lap('recorded');
  } catch (err) {
    await tearDownSandbox(ctx, rec.id).catch((e) => log.warn('teardown after a failed setup failed', { id: rec.id, err: e }));
    throw err;
  }
  for (const ep of sb.endpoints) emitEndpoint(ctx, 'connect', ep);
  return { netnsPath: ns };
}

/** docker reports every endpoint a container's start makes or its exit removes as network connect/disconnect */
function emitEndpoint(ctx: NetCtx, action: 'connect' | 'disconnect', ep: SandboxEndpoint): void {
  ctx.events?.emit('network', action, { id: ep.networkId, attributes: { container: ep.containerId, name: ep.networkName, type: 'bridge' } });
}

/** `--network container:<id>`: the running container's namespace, its address in /etc/hosts. */
async function joinContainer(ctx: NetCtx, rec: ContainerRecord, files: EtcFilePaths, ref: string): Promise<{ netnsPath: string | null }> {
  const other = await ctx.containers.get(ref);
  if (other.state.status !== 'running' && other.state.status !== 'paused') {
    throw conflict(`cannot join network namespace of a non running container: container ${other.name} is ${other.state.status}`);
  }
  const otherMode = normalizeMode(other.spec.host.networkMode);
  if (otherMode === 'host') {
    // the joined container's files, as in its own namespace (docker shares them): a pod's DNS options live on its sandbox
    await writeEtcFiles(ctx, other, files, { hostMode: true });
    return { netnsPath: null };
  }
  if (otherMode.startsWith('container:')) return joinContainer(ctx, rec, files, otherMode.slice('container:'.length));
  const sb = ctx.sandboxes.get(other.id);
  if (!sb) throw conflict(`cannot join network namespace of container ${other.id}: it has no network namespace`);
  await writeEtcFiles(ctx, other, files, {});
  return { netnsPath: sb.netns };
}

/** Undo a sandbox: published ports, CNI DEL (releases the IP), the namespace, the record. Idempotent. */
export async function tearDownSandbox(ctx: NetCtx, containerId: string): Promise<void> {
  const sb = ctx.sandboxes.get(containerId);
  if (!sb) return;
  ctx.sandboxes.delete(containerId);
  ctx.ports.release(containerId);
  const errors: unknown[] = [];
  const note = (what: string) => (err: unknown) => {
    errors.push(err);
    log.warn(`teardown: ${what} failed`, { id: containerId.slice(0, 12), err });
  };
  await Promise.all([
    sb.ports.length ? syncRules(ctx).catch(note('rewriting the rules')) : undefined,
    ...sb.endpoints.map((ep) => delEndpoint(ep, sb.netns).catch(note(`CNI DEL of ${ep.ifname}`))),
  ]);
  if (sb.netns) await deleteNetns(containerId).catch(note('removing the namespace'));
  // kept when something failed: the next daemon start tries again
  if (!errors.length) await ctx.store.removeSandbox(containerId);
  for (const ep of sb.endpoints) if (ep.prefixLen) emitEndpoint(ctx, 'disconnect', ep); // made by CNI ADD
}

/** Attach a running container to one more network (connect): the next free ethN. */
export async function attachLive(ctx: NetCtx, rec: ContainerRecord, net: NetworkRecord, req: EndpointRequest): Promise<void> {
  const sb = ctx.sandboxes.get(rec.id);
  if (!sb) return;
  const used = new Set(sb.endpoints.map((e) => e.ifname));
  let i = 0;
  while (used.has(`eth${i}`)) i++;
  // the first network of a container that had none gives it its default route
  const ep = planEndpoint(ctx, rec, net, req, `eth${i}`, undefined, !sb.endpoints.some((e) => e.conf.isDefaultGateway === true));
  sb.endpoints.push(ep);
  await ctx.store.saveSandbox(sb, true);
  try {
    await addEndpoint(ep, sb.netns);
  } catch (err) {
    await delEndpoint(ep, sb.netns).catch((e) => log.warn('CNI DEL after a failed connect failed', { err: e }));
    sb.endpoints = sb.endpoints.filter((e) => e !== ep);
    await ctx.store.saveSandbox(sb, true);
    throw err;
  }
  await ctx.store.saveSandbox(sb, true);
}

/** A renamed container answers to its new name (DNS, inspect's DNSNames). */
export async function renameEndpoints(ctx: NetCtx, rec: ContainerRecord, oldName: string): Promise<void> {
  const sb = ctx.sandboxes.get(rec.id);
  if (!sb) return;
  for (const ep of sb.endpoints) ep.dnsNames = ep.dnsNames.map((n) => (n === oldName ? rec.name : n));
  await ctx.store.saveSandbox(sb, true);
}

export async function detachLive(ctx: NetCtx, containerId: string, networkId: string): Promise<void> {
  const sb = ctx.sandboxes.get(containerId);
  const ep = sb?.endpoints.find((e) => e.networkId === networkId);
  if (!sb || !ep) return;
  await delEndpoint(ep, sb.netns);
  sb.endpoints = sb.endpoints.filter((e) => e !== ep);
  await ctx.store.saveSandbox(sb, true);
}

async function writeEtcFiles(ctx: NetCtx, rec: ContainerRecord, files: EtcFilePaths, o: { hostMode?: boolean }): Promise<void> {
  const h = rec.spec.host;
  const hostname = hostnameOf(rec);
  const gatewayIp = defaultBridge(ctx)?.IPAM.Config[0]?.Gateway ?? '';
  const extraHosts = (h.extraHosts ?? []).map((e) => e.replace(/:host-gateway$/, `:${gatewayIp}`));
  let hosts: string;
  let resolv: string;
  if (o.hostMode) {
    const base = await readFile('/etc/hosts', 'utf8').catch(() => '127.0.0.1\tlocalhost\n');
    hosts = base + extraHosts.map((e) => extraHostLine(e) + '\n').join('');
    // the host's file, unless DNS options were given (moby's setupDNS: then they apply in the host namespace too;
    // a host-network pod of dnsPolicy ClusterFirstWithHostNet gets the cluster DNS this way)
    const own = h.dns?.length || h.dnsSearch?.length || h.dnsOptions?.length;
    resolv = own ? renderResolvConf({ host: ctx.hostResolv, dns: h.dns, dnsSearch: h.dnsSearch, dnsOptions: h.dnsOptions }) : ctx.hostResolv;
  } else {
    const sb = ctx.sandboxes.get(rec.id);
    const first = sb?.endpoints[0];
    const links = await resolveLinks(ctx, rec);
    hosts = renderHosts({ ip: first?.ipv4Address ?? '', hostname, domainname: rec.spec.domainname, extraHosts, links });
    const userNet = sb?.endpoints.map((e) => ctx.networks.get(e.networkId)).find((n) => n && isUserNetwork(n) && n.Options[NO_EMBEDDED_DNS_OPTION] !== 'true');
    resolv = renderResolvConf({ host: ctx.hostResolv, embedded: userNet?.IPAM.Config[0]?.Gateway, dns: h.dns, dnsSearch: h.dnsSearch, dnsOptions: h.dnsOptions });
  }
  // regenerable files: no fsync on the hot path of run
  await Promise.all([writeFile(files.hostname, hostname + '\n'), writeFile(files.hosts, hosts), writeFile(files.resolvConf, resolv)]);
}

/** --link name:alias → the linked container's address on a network both share. */
async function resolveLinks(ctx: NetCtx, rec: ContainerRecord): Promise<Array<{ ip: string; alias: string; name: string }>> {
  const out: Array<{ ip: string; alias: string; name: string }> = [];
  const mine = new Set(ctx.sandboxes.get(rec.id)?.endpoints.map((e) => e.networkId));
  for (const l of rec.spec.host.links ?? []) {
    const other = await ctx.containers.get(l.container).catch(() => undefined);
    const ep = other && ctx.sandboxes.get(other.id)?.endpoints.find((e) => mine.has(e.networkId));
    if (ep) out.push({ ip: ep.ipv4Address, alias: l.alias, name: other.name });
  }
  return out;
}
