// `skiff agent`: a node — engine + runtime + kubelet in the foreground, joined to a control plane, until
// SIGINT/SIGTERM (the pods keep running; the next agent on the same root adopts them).
import { isIP } from 'node:net';
import { type Command, CliError, stopSignal } from '../core.ts';

export const agent: Command = {
  usage: '--server URL --token TOKEN [OPTIONS]',
  summary: 'Run a node (engine + kubelet) joined to a control plane, in the foreground',
  flags: [
    { name: 'server', type: 'string', help: 'URL of the Kubernetes API server, e.g. https://10.0.0.1:6443' },
    { name: 'token', type: 'string', help: 'Bearer token to join with' },
    { name: 'ca-file', type: 'string', help: "The server's CA certificate (PEM); without it the server is not verified" },
    { name: 'kubeconfig', type: 'string', help: 'Kubeconfig of the control plane (instead of --server/--token)' },
    { name: 'root', type: 'string', help: 'Directory of the node state (engine, pods, logs); Docker API on ROOT/docker.sock', def: '/var/lib/skiff/agent' },
    { name: 'node-name', type: 'string', help: 'Name of the Node', def: 'the host name' },
    { name: 'node-ip', type: 'string', help: 'InternalIP of the Node (probes and pod traffic reach pods from here)', def: 'the first non-loopback IPv4' },
    { name: 'pod-cidr', type: 'string', help: "Addresses of this node's pods, e.g. 10.42.1.0/24", def: "the subnet the server gives the Node (its --cluster-cidr)" },
    { name: 'cluster-cidr', type: 'string', help: "Every node's pod addresses (the server's --cluster-cidr): pod traffic to them is not masqueraded" },
    { name: 'pod-bridge', type: 'string', help: 'Linux bridge of the pod network', def: 'skpods0' },
    { name: 'bridge', type: 'string', help: "Linux bridge of the engine's default Docker network", def: 'skiff0' },
    { name: 'bip', type: 'string', help: "Gateway address and prefix of the engine's default Docker network", def: '10.99.0.1/16' },
    { name: 'docker-socket', type: 'string', help: "Unix socket of the node engine's Docker API ('' for none)", def: 'ROOT/docker.sock' },
    { name: 'kubelet-port', type: 'string', value: 'int', help: "Port of the kubelet's HTTPS server (logs, exec)", def: '10250' },
    { name: 'runtime', type: 'string', help: 'OCI runtime: crun, runc or auto', def: 'auto' },
    { name: 'cluster-dns', type: 'string', help: "Comma-separated nameservers for pods of dnsPolicy ClusterFirst", def: "the kube-dns Service's clusterIP" },
    { name: 'cluster-domain', type: 'string', help: 'Domain of the cluster: pods search it, the node DNS answers it', def: 'cluster.local' },
    { name: 'node-lease-duration-seconds', type: 'string', value: 'int', help: "Duration of the Node's Lease; it is renewed every quarter of it (keep it within the server's --node-monitor-grace-period)", def: '40' },
    { name: 'resolv-conf', type: 'string', help: 'Resolver file of the node: pods of dnsPolicy Default get it, the node DNS forwards to it', def: '/etc/resolv.conf (systemd-resolved\'s upstream file when that names only 127.0.0.53)' },
  ],
  args: { max: 0 },
  async run(_ctx, p) {
    const runtime = p.str('runtime') ?? 'auto';
    if (runtime !== 'crun' && runtime !== 'runc' && runtime !== 'auto') throw new CliError(`invalid --runtime ${JSON.stringify(runtime)}: use crun, runc or auto`, 125);
    if (!p.str('kubeconfig') && (!p.str('server') || !p.str('token'))) throw new CliError('skiff agent needs --server URL and --token TOKEN (or --kubeconfig FILE)', 125);
    const cidr = p.str('pod-cidr');
    if (cidr !== undefined && !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(cidr)) throw new CliError(`invalid --pod-cidr "${cidr}": use an IPv4 CIDR like 10.42.1.0/24`, 125);
    const clusterCidr = p.str('cluster-cidr');
    if (clusterCidr !== undefined && !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(clusterCidr)) throw new CliError(`invalid --cluster-cidr "${clusterCidr}": use an IPv4 CIDR like 10.42.0.0/16`, 125);
    const port = p.str('kubelet-port');
    if (port !== undefined && !(Number.isInteger(Number(port)) && Number(port) >= 0 && Number(port) < 65536)) throw new CliError(`invalid --kubelet-port "${port}": use 0-65535 (0: any free port)`, 125);
    const dnsList = p.str('cluster-dns');
    const clusterDNS = dnsList === undefined ? undefined : dnsList.split(',').map((x) => x.trim()).filter(Boolean);
    const badDns = clusterDNS?.find((x) => !isIP(x));
    if (badDns !== undefined) throw new CliError(`invalid --cluster-dns "${badDns}": use IP addresses, comma-separated`, 125);
    const domain = p.str('cluster-domain');
    if (domain !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(domain)) throw new CliError(`invalid --cluster-domain "${domain}": use a DNS domain like cluster.local`, 125);
    const lease = p.str('node-lease-duration-seconds');
    if (lease !== undefined && !(/^\d+$/.test(lease) && Number(lease) >= 1)) throw new CliError(`invalid --node-lease-duration-seconds "${lease}": use a whole number of seconds, 1 or more`, 125);
    const signal = stopSignal();
    const { runAgent } = await import('../../agent/index.ts');
    await runAgent({
      server: p.str('server'), token: p.str('token'), caFile: p.str('ca-file'), kubeconfig: p.str('kubeconfig'),
      root: p.str('root'), nodeName: p.str('node-name'), nodeIP: p.str('node-ip'), podCIDR: cidr, clusterCIDR: clusterCidr,
      podBridge: p.str('pod-bridge'), bridge: p.str('bridge'), bip: p.str('bip'), dockerSocket: p.str('docker-socket'),
      kubeletPort: port ? Number(port) : undefined, runtime, signal,
      clusterDNS, clusterDomain: domain, resolvConf: p.str('resolv-conf'), nodeLeaseDurationSeconds: lease ? Number(lease) : undefined,
    });
  },
};
