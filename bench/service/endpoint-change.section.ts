// bench/service's endpoint-change lines: how long from an EndpointSlice write to the data path carrying it,
// with SERVICES Services of ENDPOINTS endpoints each in every node's proxy table (kube-proxy's iptables mode
// needs seconds at 1,000 x 10; the goal here is a p99 under 100 ms). Each trial swaps one endpoint address of
// one random Service (a PUT of its slice through the API) and waits for `nft monitor` in that node's namespace
// to report the rule that DNATs to the new address — the kernel has it then. Sequential trials, so each
// measures one change alone (API write + watch + proxy + nft commit). The endpoints are addresses nobody
// answers on: the rules, not the pods, are what is measured.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClientFromKubeconfig } from '../../src/cluster/client/index.ts';
import { R } from '../../src/cluster/types/gvr.ts';
import type { KObject } from '../../src/cluster/types/meta.ts';
import { env, inNamespace, kubeconfig, layout, log, note, quantile, result, waitFor, sh } from './lib.ts';

const SERVICES = Number(process.env.SERVICES ?? 1000);
const ENDPOINTS = Number(process.env.ENDPOINTS ?? 10);
const TRIALS = Number(process.env.TRIALS ?? 200);
const NS = 'bench-endpoints';

/** the agent's table (src/cluster/proxy: skiff_proxy_<8 hex of sha256(agent root)>) */
const tableOf = (node: string) => `skiff_proxy_${createHash('sha256').update(join(env('BENCH_CLUSTER'), 'nodes', node)).digest('hex').slice(0, 8)}`;
const inNetns = (netns: string | undefined, cmd: string[]) => (netns ? ['ip', 'netns', 'exec', netns, ...cmd] : cmd);

let serial = 0;
/** a fresh address in 10.252.0.0/14 for each endpoint ever made here */
const nextIP = () => { const n = serial++; return `10.${252 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`; };

function slice(i: number, ips: string[]): KObject {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name: `svc-${i}-bench`, namespace: NS, labels: { 'kubernetes.io/service-name': `svc-${i}` } },
    addressType: 'IPv4', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
  } as KObject;
}

/** lines `nft monitor rules` prints in a namespace, with the time each arrived */
function monitor(netns: string | undefined): { proc: ChildProcess; seen: Map<string, number>; stop(): void } {
  // nft's stdout to a pipe is block-buffered: line buffering, or a change shows only once 4 KiB have piled up
  const [cmd, ...args] = inNetns(netns, ['stdbuf', '-oL', 'nft', 'monitor', 'rules']);
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const seen = new Map<string, number>();
  let buf = '';
  proc.stdout!.setEncoding('utf8');
  proc.stdout!.on('data', (d: string) => {
    const t = performance.now();
    buf += d;
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const l of lines) for (const m of l.matchAll(/10\.25[2-5]\.\d+\.\d+/g)) if (l.includes('dnat') && !seen.has(m[0])) seen.set(m[0], t);
  });
  return { proc, seen, stop: () => proc.kill() };
}

/** user+sys ms of a node's agent and its waited-for children (nft, conntrack) */
function agentCpuMs(node: string): number {
  const pid = readFileSync(join(env('BENCH_CLUSTER'), 'run', `agent-${node}.pid`), 'utf8').trim();
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // fields 14-17 of stat (utime stime cutime cstime), counted from the state field (3)
  return [11, 12, 13, 14].reduce((sum, i) => sum + Number(f[i]), 0) * 10;
}

async function servicesInTable(node: { name: string; netns?: string }): Promise<number> {
  const [cmd, ...args] = inNetns(node.netns, ['nft', 'list', 'map', 'ip', tableOf(node.name), 'service-ips']);
  return (await sh(cmd, args)).split(`-${NS}/`).length - 1;
}

async function measure(): Promise<void> {
  const client = await createClientFromKubeconfig(kubeconfig());
  const nodes = layout().nodes;
  const watched = [nodes[0], nodes[nodes.length - 1]].filter((n, i, a) => a.indexOf(n) === i);
  const ips: string[][] = [];
  const t0 = performance.now();
  // a few writers at once: 2,000 objects through one connection each way would take minutes
  const make = async (from: number) => {
    for (let i = from; i < SERVICES; i += 8) {
      ips[i] = Array.from({ length: ENDPOINTS }, nextIP);
      await client.create(R.services, NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${i}` }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] } } as KObject);
      await client.create(R.endpointslices, NS, slice(i, ips[i]));
    }
  };
  await Promise.all(Array.from({ length: 8 }, (_, k) => make(k)));
  log(`${SERVICES} Services x ${ENDPOINTS} endpoints written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  for (const n of watched) await waitFor(`${SERVICES} Services in ${n.name}'s table`, async () => (await servicesInTable(n)) >= SERVICES, 300_000, 1000);
  note(`${SERVICES} Services in the tables of ${watched.map((n) => n.name).join(', ')} ${((performance.now() - t0) / 1000).toFixed(1)} s after the first write`);

  const mons = watched.map((n) => ({ node: n, mon: monitor(n.netns), lat: [] as number[], cpu0: 0, cpuMs: 0 }));
  /** one endpoint of a random Service swapped for a fresh address: when the PUT began and the address */
  const change = async () => {
    const i = Math.floor(Math.random() * SERVICES);
    const fresh = nextIP();
    ips[i][Math.floor(Math.random() * ENDPOINTS)] = fresh;
    const cur = await client.get(R.endpointslices, NS, `svc-${i}-bench`);
    const start = performance.now();
    await client.update(R.endpointslices, NS, { ...slice(i, ips[i]), metadata: { ...slice(i, ips[i]).metadata, resourceVersion: cur.metadata?.resourceVersion } });
    return { start, fresh };
  };
  try {
    // nft monitor reads the whole ruleset before it reports anything (seconds on a busy machine): changes
    // until every monitor has reported one, not counted
    await waitFor('the monitors reporting', async () => {
      const { fresh } = await change();
      await waitFor(`${fresh} seen`, () => mons.every((m) => m.mon.seen.has(fresh)), 5000, 10);
      return true;
    }, 120_000, 0);
    for (const m of mons) m.cpu0 = agentCpuMs(m.node.name);
    for (let t = 0; t < TRIALS; t++) {
      const { start, fresh } = await change();
      await waitFor(`${fresh} in the rules`, () => mons.every((m) => m.mon.seen.has(fresh)), 30_000, 2);
      for (const m of mons) m.lat.push(m.mon.seen.get(fresh)! - start);
      await sleep(20 + Math.random() * 30);
    }
    for (const m of mons) m.cpuMs = agentCpuMs(m.node.name) - m.cpu0;
  } finally {
    for (const m of mons) m.mon.stop();
  }
  for (const m of mons) {
    const what = `${SERVICES} Services x ${ENDPOINTS} endpoints, ${m.node.name}${m.node.netns ? ' (netns node)' : ' (this host)'}, ${TRIALS} changes`;
    result(`service.endpoint-change.p50.${m.node.name}`, quantile(m.lat, 0.5), `ms (${what}: slice write → rule in the kernel)`);
    result(`service.endpoint-change.p99.${m.node.name}`, quantile(m.lat, 0.99), `ms (goal < 100)`);
    result(`service.endpoint-change.cpu.${m.node.name}`, m.cpuMs / TRIALS, 'ms per change (the agent and its nft/conntrack runs, user+sys; the kubelet idles meanwhile)');
  }
}

await inNamespace(NS, measure);
