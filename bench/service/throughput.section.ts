// bench/service's throughput lines: one busybox httpd pod on the last node (a node host in its own network
// namespace when there is one) behind a ClusterIP Service; from this host, interleaved rounds (order alternating,
// one warm-up round first) of
//   HTTP: wrk (1 thread, 8 connections, 3 s) on a small page — busybox httpd closes every connection, so each
//         request is a new connection: the proxy's per-connection cost (conntrack, DNAT, masquerade) in full;
//   TCP:  curl downloading a 512 MiB file — the bulk data path once the connection is set up;
// to the pod IP and through the ClusterIP, the same pod. Wall figures are medians; the ratio is the median of
// each round's ClusterIP/pod-IP pair (neighbours in time share the machine's load). CPU: the client's user+sys
// (/usr/bin/time) plus the pod's cgroup (cpuacct), per 1000 requests / per GiB — on a machine shared with other
// work this is the steadier measure of what the path costs.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { inNamespace, kjson, kubectl, layout, log, median, note, result, serverManifests, sh, waitFor } from './lib.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 7);
const BIG_MIB = 512;

interface Trial { value: number; cpuMs: number; errors: number }

/** the pod's CPU so far (ns), from its cgroup (kubepods/pod<uid>: cgroup v1 cpuacct, else v2 cpu.stat) */
function podCpuNs(uid: string): number {
  for (const dir of ['cpuacct', 'cpu,cpuacct']) {
    try { return Number(readFileSync(`/sys/fs/cgroup/${dir}/kubepods/pod${uid}/cpuacct.usage`, 'utf8')); } catch { /* not this layout */ }
  }
  try {
    return Number(/usage_usec (\d+)/.exec(readFileSync(`/sys/fs/cgroup/kubepods/pod${uid}/cpu.stat`, 'utf8'))?.[1]) * 1000;
  } catch {
    return NaN; // no cgroup found: the server's share is missing from the CPU lines
  }
}

let podUid = '';

async function httpTrial(url: string): Promise<Trial> {
  const p0 = podCpuNs(podUid);
  const t = await shWithTime(['wrk', '-t1', '-c8', '-d3s', url]);
  const podMs = (podCpuNs(podUid) - p0) / 1e6;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(t.out)?.[1] ?? NaN);
  const total = Number(/(\d+) requests in/.exec(t.out)?.[1] ?? 0);
  const errs = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(t.out);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(t.out)?.[1] ?? 0);
  // busybox httpd closes each connection after its answer: wrk counts that as a read error, not a failure
  const errors = non2xx + (errs ? Number(errs[1]) + Number(errs[3]) + Number(errs[4]) : 0);
  return { value: rps, cpuMs: ((t.cpuMs + podMs) / total) * 1000, errors };
}

async function tcpTrial(url: string): Promise<Trial> {
  const p0 = podCpuNs(podUid);
  const t = await shWithTime(['curl', '-sS', '--fail', '-o', '/dev/null', '-w', '%{speed_download} %{size_download}\n', url]);
  const podMs = (podCpuNs(podUid) - p0) / 1e6;
  const [speed, size] = t.out.trim().split(' ').map(Number);
  const gib = size / 2 ** 30;
  return { value: (speed * 8) / 1e9, cpuMs: (t.cpuMs + podMs) / gib, errors: size === BIG_MIB * 2 ** 20 ? 0 : 1 };
}

/** argv under /usr/bin/time -f: stdout, and the child's user+sys CPU in ms (time writes it to stderr) */
function shWithTime(argv: string[]): Promise<{ out: string; cpuMs: number }> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/time', ['-f', '@cpu %U %S', ...argv], { timeout: 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${argv.join(' ')}: ${stderr || err.message}`));
      const m = /@cpu ([\d.]+) ([\d.]+)/.exec(stderr);
      resolve({ out: stdout, cpuMs: m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN });
    });
  });
}

async function main(): Promise<void> {
  const nodes = layout().nodes;
  const node = nodes[nodes.length - 1].name;
  await inNamespace('bench-throughput', async (ns) => {
    await kubectl(['apply', '-f', '-'], { input: serverManifests(ns, node, BIG_MIB, 8081) });
    await kubectl(['-n', ns, 'wait', '--for=condition=Ready', 'pod/srv', '--timeout=120s'], { timeoutMs: 150_000 });
    const pod = await kjson(['-n', ns, 'get', 'pod', 'srv']);
    const podIP = pod.status.podIP as string;
    podUid = pod.metadata.uid as string;
    const clusterIP = (await kjson(['-n', ns, 'get', 'service', 'srv'])).spec.clusterIP as string;
    // the pod IP trials use a second httpd (8081): the server's TIME_WAIT sockets of one path would otherwise meet
    // the other path's SYNs from the same host address with another TCP timestamp offset (per destination address),
    // and the interleaved rounds would slow each other down with SYN retransmits
    const targets = { pod_ip: `http://${podIP}:8081`, cluster_ip: `http://${clusterIP}:80` };
    await waitFor(`the ClusterIP ${clusterIP} answering`, async () => (await sh('curl', ['-sS', '--fail', '--max-time', '2', `${targets.cluster_ip}/`])).trim() === 'ok', 60_000);
    log(`pod srv on ${node} (${podIP}), ClusterIP ${clusterIP}; a warm-up round, then ${ROUNDS} interleaved rounds`);
    const trials: Record<string, { http: Trial[]; tcp: Trial[] }> = { pod_ip: { http: [], tcp: [] }, cluster_ip: { http: [], tcp: [] } };
    for (let r = -1; r < ROUNDS; r++) {
      // the order alternates so neither path always runs first in a round
      const order = r % 2 ? (['cluster_ip', 'pod_ip'] as const) : (['pod_ip', 'cluster_ip'] as const);
      for (const k of order) { const t = await httpTrial(`${targets[k]}/`); if (r >= 0) trials[k].http.push(t); }
      for (const k of order) { const t = await tcpTrial(`${targets[k]}/big`); if (r >= 0) trials[k].tcp.push(t); }
    }
    for (const kind of ['http', 'tcp'] as const) {
      const unit = kind === 'http' ? 'req/s' : 'Gbit/s';
      const what = kind === 'http' ? `median of ${ROUNDS}, wrk 1 thread 8 connections 3 s, a new connection per request` : `median of ${ROUNDS}, one ${BIG_MIB} MiB GET each`;
      const per = kind === 'http' ? 'per 1000 requests' : 'per GiB';
      for (const k of ['pod_ip', 'cluster_ip'] as const) {
        const ts = trials[k][kind];
        result(`service.${kind}.${k}`, median(ts.map((t) => t.value)), `${unit} (${what})`);
        result(`service.${kind}.${k}.cpu`, median(ts.map((t) => t.cpuMs)), `ms ${per} (client user+sys + the pod's cgroup)`);
        const errors = ts.reduce((n, t) => n + t.errors, 0);
        if (errors) note(`service.${kind}.${k}: ${errors} errors`);
      }
      const pairs = trials.pod_ip[kind].map((p, i) => trials.cluster_ip[kind][i].value / p.value);
      result(`service.${kind}.cluster_ip_vs_pod_ip`, median(pairs) * 100, `% (goal ≥ 95; median of the rounds' pairs, ${Math.round(Math.min(...pairs) * 100)}-${Math.round(Math.max(...pairs) * 100)}%)`);
      const cpu = trials.pod_ip[kind].map((p, i) => trials.cluster_ip[kind][i].cpuMs / p.cpuMs);
      result(`service.${kind}.cluster_ip_vs_pod_ip.cpu`, median(cpu) * 100, `% (CPU ${per} through the ClusterIP vs to the pod IP, median of the pairs)`);
    }
    note(`load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} at the end`);
  });
}

main().catch((err: Error) => {
  process.stderr.write(`throughput: ${err.message}\n`);
  process.exit(1);
});
