// `skiff agent`: a node in one process — an engine on the agent's root, the runtime (CRI-shaped seam) over
// it, and the kubelet joined to a control plane. The engine also serves the Docker API on <root>/docker.sock
// (what `skiff nodes load` and a curious `docker ps` on the node use), and the node's local-path provisioner
// keeps its PersistentVolumes under <root>/storage. Stopping the agent leaves the pods running; the next
// agent on the same root adopts them.
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { createEngine, createRuntimeService, DEFAULT_POD_BRIDGE } from '../engine/index.ts';
import { serveDockerApi } from '../engine/api/index.ts';
import { runKubelet } from '../cluster/kubelet/index.ts';
import { runLocalPathProvisioner } from '../cluster/localpath/index.ts';
import { startKubeletServer } from '../cluster/kubelet/server/index.ts';
import { runPodNetwork } from '../cluster/podnet/index.ts';
import { createKubeletStats } from '../cluster/kubelet/stats/index.ts';
import { runServiceProxy, proxyTableName } from '../cluster/proxy/index.ts';
import { loadKubeconfig, createHttpClient, createInformerFactory, caHashOf, parseJoinToken } from '../cluster/client/index.ts';
import type { ApiClient } from '../cluster/client/index.ts';
import { startClusterDns, KUBE_DNS, type ClusterDns } from '../cluster/dns/index.ts';
import { R } from '../cluster/types/gvr.ts';
import type { KObject } from '../cluster/types/meta.ts';
import { isStatusError } from '../cluster/types/status-error.ts';
import { invalidArgument, unavailable } from '../lib/errors.ts';
import { get as httpsGet } from 'node:https';
import { logger } from '../lib/log.ts';
import { firstHostIPv4 } from '../lib/ipv4.ts';

const log = logger('agent');

export const DEFAULT_AGENT_ROOT = '/var/lib/skiff/agent';

export interface AgentOptions {
  /** the control plane: a kubeconfig, or a server URL and a token (with the server's CA, else unverified) */
  kubeconfig?: string;
  server?: string;
  token?: string;
  caFile?: string;
  root?: string;
  nodeName?: string;
  nodeIP?: string;
  /** the node's pod addresses; absent: the Node's spec.podCIDR when it has one */
  podCIDR?: string;
  /** every node's pod addresses (the server's --cluster-cidr): pod traffic to them keeps its source address */
  clusterCIDR?: string;
  /** keep the routes to the other nodes' pods (default true; src/cluster/podnet) */
  podNetwork?: boolean;
  runtime?: 'crun' | 'runc' | 'auto';
  /** the pod network's bridge (one per agent sharing a network namespace) */
  podBridge?: string;
  /** the engine's default Docker bridge network (for `docker run` on the node's socket) */
  bridge?: string;
  bip?: string;
  /** serve the Docker API on this unix socket (default <root>/docker.sock; '' for none) */
  dockerSocket?: string;
  /** the kubelet server's port (default 10250; 0 picks a free one) */
  kubeletPort?: number;
  signal: AbortSignal;
  /** the pods' nameservers (kubelet --cluster-dns; default: the kube-dns Service's clusterIP) */
  clusterDNS?: string[];
  /** kubelet --cluster-domain (default cluster.local) */
  clusterDomain?: string;
  /** the node's resolv.conf: pods of dnsPolicy Default get it, the cluster DNS forwards to its nameservers */
  resolvConf?: string;
  /** the cluster DNS's port on the pod gateway (default 53; tests) */
  dnsPort?: number;
  /** kubelet nodeLeaseDurationSeconds (default 40): the Node's Lease is renewed every quarter of it */
  nodeLeaseDurationSeconds?: number;
  /** test knobs passed to the kubelet */
  relistIntervalMs?: number;
  resyncIntervalMs?: number;
}

/** the host's first non-loopback IPv4 (the kubelet's default node IP), else 127.0.0.1 */
export const defaultNodeIP = firstHostIPv4;

/** the client, and the cluster CA (the kubelet server accepts the API server's client certificate by it) */
async function apiClient(o: AgentOptions): Promise<{ client: ApiClient; ca?: string }> {
  if (o.kubeconfig) {
    const cfg = await loadKubeconfig(o.kubeconfig);
    return { client: createHttpClient({ ...cfg, userAgent: 'skiff-agent' }), ca: cfg.ca?.toString() };
  }
  if (!o.server || !o.token) throw invalidArgument('skiff agent needs --server and --token (or --kubeconfig) to join a control plane');
  if (!/^https?:\/\//.test(o.server)) throw invalidArgument(`invalid --server "${o.server}": use https://HOST:PORT`);
  const join = parseJoinToken(o.token);
  const ca = o.caFile ? await readFile(o.caFile) : join ? await verifiedServerCa(o.server, join.caHash) : undefined;
  if (!ca) log.warn('no --ca-file and no CA hash in the token: the server\'s certificate is not verified');
  const token = join?.credential ?? o.token;
  return { client: createHttpClient({ server: o.server, token, ca, insecureSkipVerify: !ca, userAgent: 'skiff-agent' }), ca: ca?.toString() };
}

/** the server's CA from its /cacerts (fetched unverified), accepted only when its sha256 is the join token's */
async function verifiedServerCa(server: string, caHash: string): Promise<Buffer> {
  let pem: Buffer;
  try {
    pem = await fetchUnverified(new URL('/cacerts', server));
  } catch (err) {
    throw unavailable(`cannot fetch the CA certificate from ${server}/cacerts: ${(err as Error).message}`);
  }
  const got = caHashOf(pem);
  if (got !== caHash) {
    throw invalidArgument(`the CA certificate of ${server} does not match the join token (its sha256 is ${got}, the token names ${caHash}): is --server the cluster the token came from?`);
  }
  return pem;
}

function fetchUnverified(url: URL): Promise<Buffer> {
  return new Promise((ok, fail) => {
    // unverified on purpose: what comes back is trusted only if its hash matches the token
    const req = httpsGet(url, { rejectUnauthorized: false, timeout: 15_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? ok(Buffer.concat(chunks)) : fail(new Error(`status ${res.statusCode}`))));
      res.on('error', fail);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', fail);
  });
}

/** the first address of a CIDR: the pod network's gateway, where the node's cluster DNS listens */
export function gatewayOf(cidr: string): string {
  const [addr, bits] = cidr.split('/');
  const n = addr.split('.').reduce((a, p) => (a << 8) + Number(p), 0) >>> 0;
  const net = Number(bits) === 0 ? 0 : (n & (~0 << (32 - Number(bits)))) >>> 0;
  const gw = net + 1;
  return [gw >>> 24, (gw >>> 16) & 255, (gw >>> 8) & 255, gw & 255].join('.');
}

/** the node's resolver file: /etc/resolv.conf, unless it names only loopback resolvers (systemd-resolved's stub,
 * which neither pods nor an agent in a node namespace can reach) and systemd-resolved's upstream file exists (k3s's rule) */
async function defaultResolvConf(): Promise<string> {
  // no /etc/resolv.conf: no loopback stub to avoid either, so it stays the choice (and the reader below says so)
  const etc = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
  const servers = nameservers(etc);
  const upstream = '/run/systemd/resolve/resolv.conf';
  if (servers.length && servers.every((s) => /^(127\.|::1$)/.test(s)) && (await readFile(upstream, 'utf8').then(() => true, () => false))) return upstream;
  return '/etc/resolv.conf';
}

/** the nameservers of a resolv.conf */
const nameservers = (text: string) => text.split('\n').map((l) => l.trim().split(/\s+/)).filter((w) => w[0] === 'nameserver' && w[1]).map((w) => w[1]);

/** kubelet --cluster-dns's default here: the kube-dns Service's clusterIP (none: pods keep the node's resolver) */
async function kubeDnsIP(client: ApiClient, signal: AbortSignal): Promise<string[]> {
  for (let attempt = 0, delay = 500; attempt < 6 && !signal.aborted; attempt++, delay *= 2) {
    try {
      const svc = await client.get<{ spec?: { clusterIP?: string } } & { metadata?: object }>(R.services, KUBE_DNS.namespace, KUBE_DNS.name);
      const ip = svc.spec?.clusterIP;
      return ip && ip !== 'None' ? [ip] : [];
    } catch (err) {
      if (isStatusError(err, 'NotFound')) break;
      await new Promise((ok) => setTimeout(ok, delay));
    }
  }
  log.warn('no kube-dns Service: pods of dnsPolicy ClusterFirst get the node\'s resolv.conf');
  return [];
}

/** the Node's spec.podCIDR: a Node not yet registered is created bare (its kubelet fills it in later) so the
 * controller manager's node IPAM gives it a subnet, as a real kubelet's registration does; then wait for it */
async function podCidrOf(client: ApiClient, nodeName: string, signal: AbortSignal): Promise<string> {
  let waited = 0;
  for (let delay = 200; !signal.aborted; delay = Math.min(delay * 2, 2000)) {
    try {
      const n = await client.get<{ spec?: { podCIDR?: string } } & KObject>(R.nodes, undefined, nodeName);
      if (n.spec?.podCIDR) return n.spec.podCIDR;
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) log.warn('waiting for the API server', { err: (err as Error).message });
      else await createBareNode(client, nodeName);
    }
    if ((waited += delay) >= 10_000) {
      log.warn(`node ${nodeName} has no podCIDR yet: is the server's --cluster-cidr full? (or pass --pod-cidr)`);
      waited = 0;
    }
    await new Promise((ok) => setTimeout(ok, delay));
  }
  throw signal.reason ?? new Error('stopped');
}

async function createBareNode(client: ApiClient, nodeName: string): Promise<void> {
  try {
    await client.create(R.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: nodeName, labels: { 'kubernetes.io/hostname': nodeName } } });
  } catch (err) {
    if (!isStatusError(err, 'AlreadyExists')) throw err;
  }
}

export async function runAgent(o: AgentOptions): Promise<void> {
  const root = resolve(o.root ?? DEFAULT_AGENT_ROOT);
  const nodeName = o.nodeName ?? hostname().toLowerCase();
  const nodeIP = o.nodeIP ?? defaultNodeIP();
  const { client, ca } = await apiClient(o);
  const podCIDR = o.podCIDR ?? (await podCidrOf(client, nodeName, o.signal));
  await mkdir(root, { recursive: true, mode: 0o711 });
  const engine = await createEngine({ root: join(root, 'engine'), runRoot: join(root, 'run'), runtime: o.runtime ?? 'auto', bridge: o.bridge, bip: o.bip });
  const socketPath = o.dockerSocket === undefined ? join(root, 'docker.sock') : o.dockerSocket;
  let docker: Awaited<ReturnType<typeof serveDockerApi>> | undefined;
  let streams: Awaited<ReturnType<typeof startKubeletServer>> | undefined;
  const stopLoops = new AbortController();
  let dns: ClusterDns | undefined;
  try {
    const cri = createRuntimeService(engine, { podCIDR, bridge: o.podBridge, clusterCIDR: o.clusterCIDR });
    // the pod network first (its bridge carries the gateway), then the node's cluster DNS on the gateway
    await cri.runtime.status();
    const resolvConf = o.resolvConf ?? (await defaultResolvConf());
    // one watch of Services and EndpointSlices for the cluster DNS and the service proxy (not one each)
    const serviceWatches = createInformerFactory(client);
    serviceWatches.start(o.signal);
    dns = startClusterDns({
      client, nodeName, address: gatewayOf(podCIDR), port: o.dnsPort, clusterDomain: o.clusterDomain,
      upstreams: nameservers(await readFile(resolvConf, 'utf8').catch((err: Error) => (log.warn('no upstream resolvers: names outside the cluster will not resolve', { resolvConf, err: err.message }), ''))), signal: o.signal, informers: serviceWatches,
    });
    const clusterDNS = o.clusterDNS ?? (await kubeDnsIP(client, o.signal));
    // logs, exec, attach, port-forward, and the stats kubectl top reads: the API server dials this with its client certificate
    const stats = createKubeletStats({ runtime: cri.runtime, nodeName, fsPath: root });
    streams = await startKubeletServer({ runtime: cri.runtime, port: o.kubeletPort ?? 10250, clientCa: ca, extraRoutes: stats.routes });
    if (socketPath) {
      await rm(socketPath, { force: true });
      docker = await serveDockerApi(engine, { socketPath });
    }
    log.info('node agent starting', { node: nodeName, ip: nodeIP, podCIDR, root, docker: socketPath || 'off' });
    // the proxy logs and retries its own failures; it ends with the signal, as the kubelet does
    const proxy = runServiceProxy({ client, nodeName, nodeIPs: [nodeIP], podCIDR, podInterface: o.podBridge ?? DEFAULT_POD_BRIDGE, table: proxyTableName(root), informers: serviceWatches, signal: AbortSignal.any([o.signal, stopLoops.signal]) })
      .catch((err: Error) => log.error('the service proxy stopped', { err: err.message }));
    // the routes to the other nodes' pods (host-gw or VXLAN), for as long as the kubelet runs; they stay after
    const podnet = o.podNetwork === false ? undefined
      : runPodNetwork({ client, nodeName, nodeIP, podCIDR, stateFile: join(root, 'podnet.json'), signal: AbortSignal.any([o.signal, stopLoops.signal]) })
        .catch((err: Error) => log.error('the pod network loop stopped', { err: err.stack ?? err.message }));
    // PersistentVolumes of the default `local-path` class live on this node, under <root>/storage
    const storage = runLocalPathProvisioner({ client, nodeName, dir: join(root, 'storage'), signal: AbortSignal.any([o.signal, stopLoops.signal]) })
      .catch((err: Error) => log.error('the local-path provisioner stopped', { err: err.message }));
    await runKubelet({
      client, runtime: cri.runtime, images: cri.images, events: cri.events, nodeName, nodeIP, podCIDR,
      root: join(root, 'kubelet'), signal: o.signal, kubeletPort: streams.port, relistIntervalMs: o.relistIntervalMs, resyncIntervalMs: o.resyncIntervalMs,
      resolvConf, clusterDNS, clusterDomain: o.clusterDomain, leaseDurationSeconds: o.nodeLeaseDurationSeconds,
    });
    await proxy;
    await podnet;
    await storage;
  } finally {
    stopLoops.abort(); // when the kubelet failed: the proxy and the pod network stop; their rules and routes stay
    await dns?.close().catch((err: Error) => log.warn('closing the cluster DNS failed', { err: err.message }));
    await streams?.close().catch((err: Error) => log.warn('closing the kubelet server failed', { err: err.message }));
    await docker?.close().catch((err: Error) => log.warn('closing the Docker API failed', { err: err.message }));
    if (socketPath) await rm(socketPath, { force: true });
    await engine.close();
  }
}
