// bench/service's throughput lines: one busybox httpd pod on the last node (a node host in its own network
// namespace when there is one) behind a ClusterIP Service; from this host, interleaved rounds of
//   HTTP: wrk (1 thread, 8 connections, 3 s) on a small page — busybox httpd closes every connection, so each
//         request is a new connection: the proxy's per-connection cost (conntrack, DNAT) shows in full;
//   TCP:  curl downloading a 512 MiB file — the bulk data path once the connection is set up;
// to the pod IP and through the ClusterIP, the same pod. Medians of ROUNDS; CPU (user+sys of the client, and
// the whole machine's busy time, which other work on a shared machine inflates) per request / per GiB.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { image, inNamespace, kjson, kubectl, layout, log, median, note, result, sh, waitFor } from './lib.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const BIG_MIB = 512;

interface Trial { value: number; clientCpuMs: number; machineCpuMs: number; errors: number }

/** busy jiffies of the whole machine (all cores), in ms */
function machineBusyMs(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  return (user + nice + system + irq + softirq + steal) * 10;
}

async function httpTrial(url: string): Promise<Trial> {
  const m0 = machineBusyMs();
  const t = await shWithTime(['wrk', '-t1', '-c8', '-d3s', url]);
  const machineCpuMs = machineBusyMs() - m0;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(t.out)?.[1] ?? NaN);
  const total = Number(/(\d+) requests in/.exec(t.out)?.[1] ?? 0);
  const errs = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(t.out);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(t.out)?.[1] ?? 0);
  // busybox httpd closes each connection after its answer: wrk counts that as a read error, not a failure
  const errors = non2xx + (errs ? Number(errs[1]) + Number(errs[3]) + Number(errs[4]) : 0);
  return { value: rps, clientCpuMs: (t.cpuMs / total) * 1000, machineCpuMs: (machineCpuMs / total) * 1000, errors };
}

async function tcpTrial(url: string): Promise<Trial> {
  const m0 = machineBusyMs();
  const t = await shWithTime(['curl', '-sS', '--fail', '-o', '/dev/null', '-w', '%{speed_download} %{size_download}\n', url]);
  const machineCpuMs = machineBusyMs() - m0;
  const [speed, size] = t.out.trim().split(' ').map(Number);
  const gib = size / 2 ** 30;
  return { value: (speed * 8) / 1e9, clientCpuMs: t.cpuMs / gib, machineCpuMs: machineCpuMs / gib, errors: size === BIG_MIB * 2 ** 20 ? 0 : 1 };
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

function manifests(ns: string, node: string): string {
  const script = `mkdir -p /www && echo ok > /www/index.html && dd if=/dev/zero of=/www/big bs=1M count=${BIG_MIB} 2>/dev/null && exec httpd -f -p 8080 -h /www`;
  return `apiVersion: v1
kind: Pod
metadata: { name: srv, namespace: ${ns}, labels: { app: srv } }
spec:
  nodeName: ${node}
  terminationGracePeriodSeconds: 1
  containers:
  - name: httpd
    image: ${image()}
    imagePullPolicy: Never
    command: ["sh", "-c", ${JSON.stringify(script)}]
    ports: [{ name: http, containerPort: 8080 }]
    readinessProbe: { httpGet: { path: /, port: http }, periodSeconds: 1 }
---
apiVersion: v1
kind: Service
metadata: { name: srv, namespace: ${ns} }
spec:
  selector: { app: srv }
  ports: [{ port: 80, targetPort: http }]
`;
}

async function main(): Promise<void> {
  const nodes = layout().nodes;
  const node = nodes[nodes.length - 1].name;
  await inNamespace('bench-throughput', async (ns) => {
    await kubectl(['apply', '-f', '-'], { input: manifests(ns, node) });
    await kubectl(['-n', ns, 'wait', '--for=condition=Ready', 'pod/srv', '--timeout=120s'], { timeoutMs: 150_000 });
    const podIP = (await kjson(['-n', ns, 'get', 'pod', 'srv'])).status.podIP as string;
    const clusterIP = (await kjson(['-n', ns, 'get', 'service', 'srv'])).spec.clusterIP as string;
    const targets = { pod_ip: `http://${podIP}:8080`, cluster_ip: `http://${clusterIP}:80` };
    await waitFor(`the ClusterIP ${clusterIP} answering`, async () => (await sh('curl', ['-sS', '--fail', '--max-time', '2', `${targets.cluster_ip}/`])).trim() === 'ok', 60_000);
    log(`pod srv on ${node} (${podIP}), ClusterIP ${clusterIP}; ${ROUNDS} interleaved rounds`);
    const trials: Record<string, { http: Trial[]; tcp: Trial[] }> = { pod_ip: { http: [], tcp: [] }, cluster_ip: { http: [], tcp: [] } };
    for (let r = 0; r < ROUNDS; r++) {
      // the order alternates so neither path always runs first in a round
      const order = r % 2 ? (['cluster_ip', 'pod_ip'] as const) : (['pod_ip', 'cluster_ip'] as const);
      for (const k of order) trials[k].http.push(await httpTrial(`${targets[k]}/`));
      for (const k of order) trials[k].tcp.push(await tcpTrial(`${targets[k]}/big`));
    }
    for (const kind of ['http', 'tcp'] as const) {
      const unit = kind === 'http' ? 'req/s' : 'Gbit/s';
      const what = kind === 'http' ? `median of ${ROUNDS}, wrk 1 thread 8 connections 3 s, a new connection per request` : `median of ${ROUNDS}, one ${BIG_MIB} MiB GET each`;
      for (const k of ['pod_ip', 'cluster_ip'] as const) {
        const ts = trials[k][kind];
        result(`service.${kind}.${k}`, median(ts.map((t) => t.value)), `${unit} (${what})`);
        const per = kind === 'http' ? 'per 1000 requests' : 'per GiB';
        result(`service.${kind}.${k}.cpu_client`, median(ts.map((t) => t.clientCpuMs)), `ms ${per} (${kind === 'http' ? 'wrk' : 'curl'} user+sys)`);
        result(`service.${kind}.${k}.cpu_machine`, median(ts.map((t) => t.machineCpuMs)), `ms ${per} (all cores busy, shared machine)`);
        const errors = ts.reduce((n, t) => n + t.errors, 0);
        if (errors) note(`service.${kind}.${k}: ${errors} errors`);
      }
      const ratio = median(trials.cluster_ip[kind].map((t) => t.value)) / median(trials.pod_ip[kind].map((t) => t.value));
      result(`service.${kind}.cluster_ip_vs_pod_ip`, ratio * 100, '% (goal ≥ 95)');
    }
    note(`load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} at the end`);
  });
}

main().catch((err: Error) => {
  process.stderr.write(`throughput: ${err.message}\n`);
  process.exit(1);
});
