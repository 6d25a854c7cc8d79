// bench/service's dns lines: DNS lookup latency from a pod, on node-1 (this host's namespace) and on the last
// node (a node host in its own network namespace when there is one). A busybox pod on each node sleeps; a small
// DNS client (Node, dns-packet) runs in that pod's network namespace (nsenter -n on its sleep process) and asks
// the pod's own nameserver (its resolv.conf: the kube-dns clusterIP, which the node's service proxy sends to the
// node's DNS on its pod gateway), one query at a time, for
//   service:  a ClusterIP Service's FQDN (A)           headless: a headless Service of 3 pods (A)
//   search:   the first search-path try of a name outside the cluster (`example.com.<ns>.svc.<zone>`: NXDOMAIN)
// p50/p99 of QUERIES each after a warm-up, and the agent's CPU (user+sys) per 1000 queries (less what it spent
// over as long again without queries). Nothing leaves the machine: no name is forwarded upstream.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { env, image, inNamespace, kubectl, layout, log, note, quantile, result, sh, waitFor, kjson } from './lib.ts';

const QUERIES = Number(process.env.QUERIES ?? 2000);
const WARMUP = 200;

/** the client run inside the pod's namespace: prints one line of JSON, the latencies in microseconds per kind */
const CLIENT = String.raw`
import * as dgram from 'node:dgram';
import * as dnsPacket from 'dns-packet';
const [server, count, warm, ...names] = process.argv.slice(2);
const sock = dgram.createSocket('udp4');
const pending = new Map();
sock.on('message', (m) => { const id = m.readUInt16BE(0); const p = pending.get(id); if (p) { pending.delete(id); p(m); } });
function ask(name) {
  const id = Math.floor(Math.random() * 65536);
  const q = dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name, class: 'IN' }] });
  return new Promise((ok, fail) => {
    const t = setTimeout(() => { pending.delete(id); fail(new Error('timeout ' + name)); }, 2000);
    const t0 = process.hrtime.bigint();
    pending.set(id, (m) => { clearTimeout(t); ok({ us: Number(process.hrtime.bigint() - t0) / 1000, rcode: m[3] & 15, answers: m.readUInt16BE(6) }); });
    sock.send(q, 53, server);
  });
}
const out = {};
for (const n of names) out[n] = { us: [], rcodes: {} };
for (let i = 0; i < Number(warm); i++) await ask(names[i % names.length]);
for (let i = 0; i < Number(count) * names.length; i++) {
  const n = names[i % names.length];
  const r = await ask(n);
  out[n].us.push(r.us);
  out[n].rcodes[r.rcode + '/' + r.answers] = (out[n].rcodes[r.rcode + '/' + r.answers] ?? 0) + 1;
}
sock.close();
console.log(JSON.stringify(out));
`;

/** the pid of the process whose command line is exactly `argv` (the pod's sleep: a number of its own) */
function pidOf(argv: string[]): number | undefined {
  const want = argv.join('\0') + '\0';
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8') === want) return Number(d);
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}

/** user+sys CPU of a process, ms */
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

function manifests(ns: string, nodes: string[], tag: number): string {
  const pod = (name: string, node: string, labels: Record<string, string>, cmd: string[]) => ({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels },
    spec: { nodeName: node, terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: image(), imagePullPolicy: 'Never', command: cmd }] },
  });
  const svc = (name: string, spec: object) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec });
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [
    svc('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] }),
    svc('hl', { clusterIP: 'None', selector: { app: 'hl' }, ports: [{ name: 'http', port: 80 }] }),
    pod('web', nodes[0], { app: 'web' }, ['sleep', '3600']),
    ...[0, 1, 2].map((i) => pod(`hl-${i}`, nodes[i % nodes.length], { app: 'hl' }, ['sleep', '3600'])),
    ...nodes.map((n, i) => pod(`client-${i}`, n, {}, ['sleep', String(tag + i)])),
  ] });
}

await inNamespace('bench-dns', async (ns) => {
  const all = layout().nodes;
  const nodes = [...new Set([all[0].name, all[all.length - 1].name])];
  const tag = 7_000_000 + Math.floor(Math.random() * 1_000_000);
  await kubectl(['apply', '-f', '-'], { input: manifests(ns, nodes, tag) });
  await waitFor('the pods Running', async () => {
    const pods = (await kjson(['get', 'pods', '-n', ns])).items as any[];
    return pods.length === nodes.length + 4 && pods.every((p) => p.status?.phase === 'Running');
  });
  // the headless Service's three endpoints published
  await waitFor('hl endpoints', async () => {
    const s = (await kjson(['get', 'endpointslices', '-n', ns, '-l', 'kubernetes.io/service-name=hl'])).items as any[];
    return s.flatMap((x) => x.endpoints ?? []).filter((e: any) => e.conditions?.ready).length === 3;
  });
  const zone = 'cluster.local';
  const names = [`web.${ns}.svc.${zone}`, `hl.${ns}.svc.${zone}`, `example.com.${ns}.svc.${zone}`];
  const kinds = ['service', 'headless', 'search'];
  const clientFile = join(env('BENCH_CLUSTER'), 'dns-client.mjs');
  await sh('sh', ['-c', `cat > ${clientFile}`], { input: CLIENT });
  // the client imports dns-packet from the repository's node_modules
  await sh('ln', ['-sfn', join(process.cwd(), 'node_modules'), join(env('BENCH_CLUSTER'), 'node_modules')]);
  note(`dns: ${QUERIES} queries per name, one at a time, after ${WARMUP} warm-up; load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  for (const [i, node] of nodes.entries()) {
    const conf = await kubectl(['exec', '-n', ns, `client-${i}`, '--', 'cat', '/etc/resolv.conf']);
    const server = /nameserver (\S+)/.exec(conf)?.[1];
    if (!server) throw new Error(`client-${i} has no nameserver: ${conf}`);
    const pid = await waitFor(`client-${i}'s process`, () => pidOf(['sleep', String(tag + i)]));
    const agentPid = Number(readFileSync(join(env('BENCH_CLUSTER'), 'run', `agent-${node}.pid`), 'utf8').trim());
    const cpu0 = cpuMs(agentPid);
    const t0 = Date.now();
    const out = await sh('nsenter', ['-t', String(pid), '-n', '--', process.execPath, clientFile, server, String(QUERIES), String(WARMUP), ...names], { timeoutMs: 600_000 });
    const busy = cpuMs(agentPid) - cpu0;
    // the agent's own background work (kubelet, proxy, watches) over as long again, without queries
    const wall = Date.now() - t0;
    const idle0 = cpuMs(agentPid);
    await sleep(wall);
    const cpu = Math.max(0, busy - (cpuMs(agentPid) - idle0));
    const r = JSON.parse(out) as Record<string, { us: number[]; rcodes: Record<string, number> }>;
    log(`${node}: nameserver ${server}; rcode/answers ${names.map((n) => JSON.stringify(r[n].rcodes)).join(' ')}`);
    for (const [k, n] of names.entries()) {
      const ms = r[n].us.map((u) => u / 1000);
      result(`dns-${kinds[k]}-p50-${node}`, quantile(ms, 0.5), 'ms');
      result(`dns-${kinds[k]}-p99-${node}`, quantile(ms, 0.99), 'ms');
    }
    result(`dns-agent-cpu-per-1000-queries-${node}`, (cpu / (QUERIES * names.length + WARMUP)) * 1000, 'ms');
  }
});
