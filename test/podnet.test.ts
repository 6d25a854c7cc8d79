// The agents' pod network on real kernels: three node namespaces — A and C on one subnet, B on another — joined
// through a router namespace. Each runs the pod network loop (src/cluster/podnet) against the same Nodes:
// A↔C get host-gw routes, B is reached over VXLAN (skiff.1, static FDB/neighbour entries from the Nodes'
// skiff.io/vxlan-mac annotations). A "pod" namespace behind each node's pod bridge pings the others.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Node } from 'kubernetes-types/core/v1.js';
import { createFakeClient } from '../src/cluster/client/index.ts';
import { R } from '../src/cluster/types/gvr.ts';
import { runPodNetwork } from '../src/cluster/podnet/index.ts';
import { run, uniqueName, waitFor } from './harness.ts';
import { testNetworkPodCIDR } from './kubelet-harness.ts';

const prefix = uniqueName('pn');
const ns = (x: string) => `${prefix}-${x}`;
const made: string[] = [];
let dir = '';
const stops: AbortController[] = [];
const loops: Promise<void>[] = [];

const ip = (netns: string, ...args: string[]) => execFileSync('/usr/sbin/ip', ['-n', netns, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const sysctl = (netns: string, kv: string) => execFileSync('/usr/sbin/ip', ['netns', 'exec', netns, '/usr/sbin/sysctl', '-qw', kv]);
const base = (cidr: string) => cidr.replace(/\.0\/24$/, '');

const linkA = testNetworkPodCIDR();
const linkB = testNetworkPodCIDR();
const pods = { a: testNetworkPodCIDR(), b: testNetworkPodCIDR(), c: testNetworkPodCIDR() };
const nodeIP = { a: `${base(linkA)}.2`, c: `${base(linkA)}.3`, b: `${base(linkB)}.2` };

function addNetns(name: string): void {
  execFileSync('/usr/sbin/ip', ['netns', 'add', name]);
  made.push(name);
  ip(name, 'link', 'set', 'lo', 'up');
}

/** a veth from `from` (named `fromName`) to `to` (named `toName`) */
function veth(from: string, fromName: string, to: string, toName: string): void {
  ip(from, 'link', 'add', fromName, 'type', 'veth', 'peer', 'name', toName, 'netns', to);
  ip(from, 'link', 'set', fromName, 'up');
  ip(to, 'link', 'set', toName, 'up');
}

/** node `k`: eth0 on its link, default route via the router; a pod bridge with .1 and a pod namespace at .5 */
function makeNode(k: 'a' | 'b' | 'c', gw: string, prefixLen: number): void {
  ip(ns(k), 'addr', 'add', `${nodeIP[k]}/${prefixLen}`, 'dev', 'eth0');
  ip(ns(k), 'route', 'add', 'default', 'via', gw);
  sysctl(ns(k), 'net.ipv4.ip_forward=1');
  ip(ns(k), 'link', 'add', 'kp', 'type', 'bridge');
  ip(ns(k), 'addr', 'add', `${base(pods[k])}.1/24`, 'dev', 'kp');
  ip(ns(k), 'link', 'set', 'kp', 'up');
  const pod = ns(`p${k}`);
  addNetns(pod);
  veth(ns(k), 'vpod', pod, 'eth0');
  ip(ns(k), 'link', 'set', 'vpod', 'master', 'kp');
  ip(pod, 'addr', 'add', `${base(pods[k])}.5/24`, 'dev', 'eth0');
  ip(pod, 'route', 'add', 'default', 'via', `${base(pods[k])}.1`);
}

const nodeObj = (k: 'a' | 'b' | 'c'): Node => ({
  apiVersion: 'v1', kind: 'Node', metadata: { name: ns(k) },
  spec: { podCIDR: pods[k], podCIDRs: [pods[k]] },
  status: { addresses: [{ type: 'InternalIP', address: nodeIP[k] }, { type: 'Hostname', address: ns(k) }] },
});

const client = createFakeClient([nodeObj('a'), nodeObj('b'), nodeObj('c')] as never[]);

function startLoop(k: 'a' | 'b' | 'c'): void {
  const stop = new AbortController();
  stops.push(stop);
  loops.push(runPodNetwork({ client, nodeName: ns(k), nodeIP: nodeIP[k], podCIDR: pods[k], stateFile: join(dir, `${k}.json`), signal: stop.signal, netns: ns(k), resyncMs: 2000 }));
}

const pingable = async (from: 'a' | 'b' | 'c', to: 'a' | 'b' | 'c') =>
  (await run('/usr/sbin/ip', ['netns', 'exec', ns(`p${from}`), '/usr/bin/busybox', 'ping', '-c', '1', '-W', '2', `${base(pods[to])}.5`], { timeoutMs: 10_000 })).code === 0;
const routes = (k: string) => ip(ns(k), '-4', 'route', 'show');

before(async () => {
  dir = await mkdtemp('/var/tmp/skiff-podnet-test-');
  for (const x of ['r', 'a', 'b', 'c']) addNetns(ns(x));
  // the router: a bridge for link A (nodes a and c share its L2 segment), a plain veth for link B
  ip(ns('r'), 'link', 'add', 'brA', 'type', 'bridge');
  ip(ns('r'), 'addr', 'add', `${base(linkA)}.1/24`, 'dev', 'brA');
  ip(ns('r'), 'link', 'set', 'brA', 'up');
  veth(ns('r'), 'toa', ns('a'), 'eth0');
  veth(ns('r'), 'toc', ns('c'), 'eth0');
  ip(ns('r'), 'link', 'set', 'toa', 'master', 'brA');
  ip(ns('r'), 'link', 'set', 'toc', 'master', 'brA');
  veth(ns('r'), 'tob', ns('b'), 'eth0');
  ip(ns('r'), 'addr', 'add', `${base(linkB)}.1/24`, 'dev', 'tob');
  sysctl(ns('r'), 'net.ipv4.ip_forward=1');
  makeNode('a', `${base(linkA)}.1`, 24);
  makeNode('c', `${base(linkA)}.1`, 24);
  makeNode('b', `${base(linkB)}.1`, 24);
});

after(async () => {
  for (const s of stops) s.abort();
  await Promise.allSettled(loops);
  // deleting a namespace takes its veths, bridges and VXLAN device with it
  for (const n of made.reverse()) try { execFileSync('/usr/sbin/ip', ['netns', 'del', n]); } catch { /* already gone */ }
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('nodes on one subnet get host-gw routes, a node behind a router is reached over VXLAN; pods ping across; a deleted Node\'s routes go', async () => {
  assert.equal(await pingable('a', 'b'), false, 'no route between the pod networks before the agents run');
  for (const k of ['a', 'b', 'c'] as const) startLoop(k);
  const vxlanRoute = (k: 'a' | 'b' | 'c') => `${pods[k]} via ${base(pods[k])}.0 dev skiff.1 onlink`;
  await waitFor('routes everywhere', () => routes('a').includes(vxlanRoute('b')) && routes('b').includes(vxlanRoute('a')) && routes('b').includes(vxlanRoute('c'))
    && routes('c').includes(vxlanRoute('b')), 30_000, 100);
  assert.match(routes('a'), new RegExp(`${pods.c.replace(/\./g, '\\.')} via ${nodeIP.c.replace(/\./g, '\\.')} dev eth0`), 'a reaches c host-gw');
  assert.match(routes('c'), new RegExp(`${pods.a.replace(/\./g, '\\.')} via ${nodeIP.a.replace(/\./g, '\\.')} dev eth0`), 'c reaches a host-gw');
  const macs = Object.fromEntries((await client.list(R.nodes, undefined)).items.map((n) => [n.metadata?.name, n.metadata?.annotations?.['skiff.io/vxlan-mac']]));
  const linkOf = (k: string) => JSON.parse(ip(ns(k), '-j', '-d', 'link', 'show', 'skiff.1'))[0];
  for (const k of ['a', 'b', 'c']) {
    const l = linkOf(k);
    assert.equal(macs[ns(k)], l.address, `${k} published its device's MAC`);
    assert.deepEqual([l.linkinfo.info_data.id, l.linkinfo.info_data.port, l.linkinfo.info_data.learning], [1, 8472, false]);
    assert.equal(l.mtu, 1450);
  }
  const fdbB = execFileSync('/usr/sbin/bridge', ['-n', ns('b'), 'fdb', 'show', 'dev', 'skiff.1']).toString();
  assert.match(fdbB, new RegExp(`${macs[ns('a')]} dst ${nodeIP.a.replace(/\./g, '\\.')} self permanent`));
  for (const [from, to] of [['a', 'b'], ['b', 'a'], ['a', 'c'], ['c', 'b']] as const) {
    assert.ok(await waitFor(`pod ${from} → pod ${to}`, () => pingable(from, to), 15_000, 200));
  }
  const state = JSON.parse(await readFile(join(dir, 'b.json'), 'utf8'));
  assert.deepEqual(state.routes.map((r: { dst: string }) => r.dst).sort(), [pods.a, pods.c].sort(), 'b records what it installed');
  // c leaves the cluster: its routes and VXLAN entries go from the others
  await client.delete(R.nodes, undefined, ns('c'));
  await waitFor('c forgotten', () => !routes('a').includes(pods.c) && !routes('b').includes(pods.c), 30_000, 100);
  const fdbAfter = execFileSync('/usr/sbin/bridge', ['-n', ns('b'), 'fdb', 'show', 'dev', 'skiff.1']).toString();
  assert.ok(!fdbAfter.includes(nodeIP.c), fdbAfter);
  assert.ok(!ip(ns('b'), 'neigh', 'show', 'dev', 'skiff.1').includes(`${base(pods.c)}.0 `));
  assert.ok(routes('a').includes(vxlanRoute('b')), 'the others stay');
});
