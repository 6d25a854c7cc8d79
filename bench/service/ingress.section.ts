// bench/service's ingress lines: one busybox httpd pod on the last node behind a Service and an Ingress
// (host bench.test); from this host, interleaved rounds of
//   HTTP: wrk (1 thread, 8 connections, 3 s) on a small page — wrk keeps its connections to the Ingress open;
//         busybox httpd closes every connection, so the Ingress opens one to the pod per request, as wrk
//         straight to the pod does;
//   TCP:  curl downloading a 256 MiB file — the proxy's copy loop once the connection is set up;
// straight to the pod IP, and through the Ingress over HTTP and HTTPS (HTTP/1.1, the default certificate).
// Medians of ROUNDS; the server process's CPU (the Ingress runs inside `skiff server`) per 1000 requests / GiB.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { env, inNamespace, kjson, kubectl, layout, log, median, note, result, serverManifests, sh, waitFor } from './lib.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const BIG_MIB = 256;
const HOST = 'bench.test';

interface Trial { value: number; serverCpuMs: number; errors: number }

/** user+sys of a process, in ms (USER_HZ 100) */
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

function exec(argv: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(argv[0], argv.slice(1), { timeout: 120_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${argv.join(' ')}: ${stderr || err.message}`)) : resolve(stdout));
  });
}

async function httpTrial(url: string, server: number, host?: string): Promise<Trial> {
  const c0 = cpuMs(server);
  const out = await exec(['wrk', '-t1', '-c8', '-d3s', ...(host ? ['-H', `Host: ${host}`] : []), url]);
  const serverCpu = cpuMs(server) - c0;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const total = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const errs = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  // busybox httpd closes each connection after its answer: wrk counts that as a read error when it talks to the pod
  const errors = non2xx + (errs ? Number(errs[1]) + Number(errs[3]) + Number(errs[4]) : 0);
  return { value: rps, serverCpuMs: (serverCpu / Math.max(1, total)) * 1000, errors };
}

async function tcpTrial(url: string, server: number, resolve?: string): Promise<Trial> {
  const c0 = cpuMs(server);
  const out = await exec(['curl', '-sS', '-k', '--fail', ...(resolve ? ['--resolve', resolve] : []), '-o', '/dev/null', '-w', '%{speed_download} %{size_download}\n', url]);
  const serverCpu = cpuMs(server) - c0;
  const [speed, size] = out.trim().split(' ').map(Number);
  return { value: (speed * 8) / 1e9, serverCpuMs: serverCpu / (size / 2 ** 30), errors: size === BIG_MIB * 2 ** 20 ? 0 : 1 };
}

function manifests(ns: string, node: string): string {
  return `${serverManifests(ns, node, BIG_MIB)}---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: srv, namespace: ${ns} }
spec:
  rules:
  - host: ${HOST}
    http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: srv, port: { number: 80 } } } }] }
`;
}

async function main(): Promise<void> {
  const nodes = layout().nodes;
  const node = nodes[nodes.length - 1].name;
  const link = nodes[0].ip; // `skiff up` serves Ingresses on the link's .1, ports 80 and 443
  const server = Number(readFileSync(join(env('BENCH_CLUSTER'), 'server.pid'), 'utf8').trim());
  await inNamespace('bench-ingress', async (ns) => {
    await kubectl(['apply', '-f', '-'], { input: manifests(ns, node) });
    await kubectl(['-n', ns, 'wait', '--for=condition=Ready', 'pod/srv', '--timeout=120s'], { timeoutMs: 150_000 });
    const podIP = (await kjson(['-n', ns, 'get', 'pod', 'srv'])).status.podIP as string;
    await waitFor('the Ingress answering', async () => (await sh('curl', ['-sS', '--fail', '--max-time', '2', '-H', `Host: ${HOST}`, `http://${link}/`])).trim() === 'ok', 60_000);
    log(`pod srv on ${node} (${podIP}), Ingress on ${link}; ${ROUNDS} interleaved rounds`);
    const paths = ['pod_ip', 'ingress', 'ingress_https'] as const;
    type Path = (typeof paths)[number];
    const http: Record<Path, () => Promise<Trial>> = {
      pod_ip: () => httpTrial(`http://${podIP}:8080/`, server),
      ingress: () => httpTrial(`http://${link}/`, server, HOST),
      ingress_https: () => httpTrial(`https://${link}/`, server, HOST),
    };
    const tcp: Record<Path, () => Promise<Trial>> = {
      pod_ip: () => tcpTrial(`http://${podIP}:8080/big`, server),
      ingress: () => tcpTrial(`http://${HOST}/big`, server, `${HOST}:80:${link}`),
      ingress_https: () => tcpTrial(`https://${HOST}/big`, server, `${HOST}:443:${link}`),
    };
    const trials = Object.fromEntries(paths.map((p) => [p, { http: [] as Trial[], tcp: [] as Trial[] }])) as Record<Path, { http: Trial[]; tcp: Trial[] }>;
    for (let r = 0; r < ROUNDS; r++) {
      // the order turns each round so no path always runs first
      const order = [...paths.slice(r % paths.length), ...paths.slice(0, r % paths.length)];
      for (const p of order) trials[p].http.push(await http[p]());
      for (const p of order) trials[p].tcp.push(await tcp[p]());
    }
    for (const kind of ['http', 'tcp'] as const) {
      const unit = kind === 'http' ? 'req/s' : 'Gbit/s';
      const what = kind === 'http' ? `median of ${ROUNDS}, wrk 1 thread 8 connections 3 s` : `median of ${ROUNDS}, one ${BIG_MIB} MiB GET each`;
      for (const p of paths) {
        const ts = trials[p][kind];
        result(`ingress.${kind}.${p}`, median(ts.map((t) => t.value)), `${unit} (${what})`);
        if (p !== 'pod_ip') result(`ingress.${kind}.${p}.cpu_server`, median(ts.map((t) => t.serverCpuMs)), `ms ${kind === 'http' ? 'per 1000 requests' : 'per GiB'} (skiff server user+sys)`);
        const errors = ts.reduce((n, t) => n + t.errors, 0);
        if (errors) note(`ingress.${kind}.${p}: ${errors} errors`);
      }
      for (const p of ['ingress', 'ingress_https'] as const) {
        const ratio = median(trials[p][kind].map((t) => t.value)) / median(trials.pod_ip[kind].map((t) => t.value));
        result(`ingress.${kind}.${p}_vs_pod_ip`, ratio * 100, '%');
      }
    }
    note(`load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} at the end`);
  });
}

main().catch((err: Error) => {
  process.stderr.write(`ingress: ${err.message}\n`);
  process.exit(1);
});
