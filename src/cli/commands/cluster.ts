// The cluster verbs: `skiff server` (the control plane, foreground), `skiff kubeconfig` (print the admin
// kubeconfig), `skiff sim nodes` (simulated nodes that heartbeat and run bound pods, for tests and benchmarks).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Command, CliError, stopSignal } from '../core.ts';

const DEFAULT_ROOT = '/var/lib/skiff/server';

export function parseDurationMs(s: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(s);
  if (!m) throw new CliError(`invalid ${flag} "${s}": use a duration like 40s, 2m or 500ms`, 125);
  const n = Number(m[1]);
  return Math.round(m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000);
}

function portFlag(s: string | undefined, flag: string): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!/^\d+$/.test(s) || n > 65535) throw new CliError(`invalid ${flag} "${s}": use 0-65535`, 125);
  return n;
}

export const server: Command = {
  usage: '[OPTIONS]',
  summary: 'Run the control plane (Kubernetes API server, scheduler, controllers) in the foreground',
  flags: [
    { name: 'root', type: 'string', help: 'Directory for the server state (TLS, tokens, SQLite store, kubeconfig)', def: DEFAULT_ROOT },
    { name: 'port', type: 'string', value: 'int', help: 'HTTPS port of the API server', def: '6443' },
    { name: 'bind-address', type: 'string', help: 'Address to listen on', def: '127.0.0.1' },
    { name: 'datastore', type: 'string', help: 'State store: sqlite:///path/state.db or etcd://host:port[,host:port]', def: 'sqlite://<root>/state.db' },
    { name: 'service-cidr', type: 'string', help: 'Range of Service ClusterIPs', def: '10.43.0.0/16' },
    { name: 'lb-pool', type: 'string', help: 'Addresses for LoadBalancer Services: A-B or a CIDR, comma-separated (unset: they stay pending)' },
    { name: 'cluster-cidr', type: 'string', help: "Pod addresses: Nodes without a podCIDR get a subnet of it", def: '10.42.0.0/16' },
    { name: 'node-cidr-mask-size', type: 'string', value: 'int', help: "Prefix length of each Node's pod subnet", def: '24' },
    { name: 'advertise-address', type: 'string', help: 'Address the kubernetes Service sends clients to', def: 'the bind address, or the first IPv4 when bound to all' },
    { name: 'ingress-bind', type: 'string', help: "Address of the Ingress controller's listeners", def: 'the --bind-address' },
    { name: 'ingress-http-port', type: 'string', value: 'int', help: 'Serve Ingresses over HTTP on this port (off unless set)' },
    { name: 'ingress-https-port', type: 'string', value: 'int', help: 'Serve Ingresses over HTTPS (HTTP/2 and HTTP/1.1) on this port (off unless set)' },
    { name: 'node-monitor-grace-period', type: 'string', value: 'duration', help: 'A node without heartbeat this long is NotReady and its pods are evicted', def: '40s' },
    { name: 'default-not-ready-toleration-seconds', type: 'string', value: 'int', help: 'Pods without a toleration of node.kubernetes.io/not-ready:NoExecute get one for this long', def: '300' },
    { name: 'default-unreachable-toleration-seconds', type: 'string', value: 'int', help: 'Pods without a toleration of node.kubernetes.io/unreachable:NoExecute get one for this long', def: '300' },
    { name: 'horizontal-pod-autoscaler-sync-period', type: 'string', value: 'duration', help: 'How often each HorizontalPodAutoscaler is synced', def: '15s' },
    { name: 'horizontal-pod-autoscaler-downscale-stabilization', type: 'string', value: 'duration', help: 'Scale-down stabilization window of HPAs without behavior', def: '5m' },
    { name: 'tls-san', type: 'list', help: 'Extra name or IP for the serving certificate' },
  ],
  args: { max: 0 },
  async run(_ctx, p) {
    const hpaSync = p.str('horizontal-pod-autoscaler-sync-period');
    const hpaDown = p.str('horizontal-pod-autoscaler-downscale-stabilization');
    const port = Number(p.str('port') ?? '6443');
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`invalid --port "${p.str('port')}": use 0-65535`, 125);
    const grace = p.str('node-monitor-grace-period');
    const maskSize = p.str('node-cidr-mask-size');
    if (maskSize !== undefined && !/^\d{1,2}$/.test(maskSize)) throw new CliError(`invalid --node-cidr-mask-size "${maskSize}": use a prefix length like 24`, 125);
    const signal = stopSignal();
    const { runServer } = await import('../../cluster/entry.ts');
    const running = await runServer({
      root: p.str('root'),
      port,
      bindAddress: p.str('bind-address'),
      datastore: p.str('datastore'),
      serviceCIDR: p.str('service-cidr'),
      lbPool: p.str('lb-pool'),
      clusterCIDR: p.str('cluster-cidr'),
      nodeCidrMaskSize: maskSize === undefined ? undefined : Number(maskSize),
      advertiseAddress: p.str('advertise-address'),
      ingress: { bindAddress: p.str('ingress-bind'), httpPort: portFlag(p.str('ingress-http-port'), '--ingress-http-port'), httpsPort: portFlag(p.str('ingress-https-port'), '--ingress-https-port') },
      nodeMonitorGracePeriodMs: grace ? parseDurationMs(grace, '--node-monitor-grace-period') : undefined,
      hpaSyncPeriodMs: hpaSync ? parseDurationMs(hpaSync, '--horizontal-pod-autoscaler-sync-period') : undefined,
      hpaDownscaleStabilizationMs: hpaDown ? parseDurationMs(hpaDown, '--horizontal-pod-autoscaler-downscale-stabilization') : undefined,
      tlsSANs: p.list('tls-san'),
      defaultNotReadyTolerationSeconds: secondsFlag(p.str('default-not-ready-toleration-seconds'), '--default-not-ready-toleration-seconds'),
      defaultUnreachableTolerationSeconds: secondsFlag(p.str('default-unreachable-toleration-seconds'), '--default-unreachable-toleration-seconds'),
      signal,
    });
    const ing = running.ingress;
    if (ing) process.stdout.write(`skiff server: Ingresses on ${[ing.httpPort !== undefined ? `http :${ing.httpPort}` : '', ing.httpsPort !== undefined ? `https :${ing.httpsPort}` : ''].filter((x) => x).join(', ')}\n`);
    process.stdout.write(`skiff server: Kubernetes API on ${running.url}\nkubeconfig: ${running.kubeconfigPath}  (kubectl --kubeconfig ${running.kubeconfigPath} get nodes)\n`);
    await running.done;
  },
};

/** a whole number of seconds, 0 or more */
function secondsFlag(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{1,9}$/.test(v)) throw new CliError(`invalid ${flag} "${v}": use a whole number of seconds, 0 or more`, 125);
  return Number(v);
}

export const kubeconfig: Command = {
  usage: '[OPTIONS]',
  summary: "Print the control plane's admin kubeconfig",
  flags: [{ name: 'root', type: 'string', help: "The server's --root", def: DEFAULT_ROOT }],
  args: { max: 0 },
  async run(_ctx, p) {
    const path = join(p.str('root') ?? DEFAULT_ROOT, 'admin.kubeconfig');
    try {
      process.stdout.write(await readFile(path, 'utf8'));
    } catch {
      throw new CliError(`no kubeconfig at ${path}: start the control plane first (skiff server --root ${p.str('root') ?? DEFAULT_ROOT})`, 1);
    }
  },
};

export const simNodes: Command = {
  usage: '[OPTIONS]',
  summary: 'Register simulated nodes that heartbeat and report their pods Running (no containers)',
  flags: [
    { name: 'count', type: 'string', value: 'int', help: 'How many nodes', def: '1' },
    { name: 'prefix', type: 'string', help: 'Node name prefix (nodes are PREFIX-0, PREFIX-1, …)', def: 'sim' },
    { name: 'kubeconfig', type: 'string', help: 'Kubeconfig of the control plane', def: `$KUBECONFIG or ${DEFAULT_ROOT}/admin.kubeconfig` },
    { name: 'cpu', type: 'string', help: 'CPU capacity of each node', def: '4' },
    { name: 'memory', type: 'string', help: 'Memory capacity of each node', def: '8Gi' },
    { name: 'max-pods', type: 'string', value: 'int', help: 'Pod capacity of each node', def: '110' },
  ],
  args: { max: 0 },
  async run(_ctx, p) {
    const count = Number(p.str('count') ?? '1');
    if (!Number.isInteger(count) || count < 1) throw new CliError(`invalid --count "${p.str('count')}": use a whole number of at least 1`, 125);
    const maxPods = Number(p.str('max-pods') ?? '110');
    const path = p.str('kubeconfig') ?? process.env.KUBECONFIG ?? join(DEFAULT_ROOT, 'admin.kubeconfig');
    const signal = stopSignal();
    const { runSimNodes, createClientFromKubeconfig } = await import('../../cluster/entry.ts');
    const client = await createClientFromKubeconfig(path);
    const prefix = p.str('prefix') ?? 'sim';
    process.stdout.write(`simulating ${count} node(s) ${prefix}-0…${prefix}-${count - 1}; stop with Ctrl-C (the nodes then stop heart-beating)\n`);
    await runSimNodes({ client, count, prefix, cpu: p.str('cpu') ?? '4', memory: p.str('memory') ?? '8Gi', maxPods, signal, log: (l: string) => process.stderr.write(`${l}\n`) });
  },
};
