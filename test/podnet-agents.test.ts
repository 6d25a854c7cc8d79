// Two real `skiff agent`s in node namespaces on different subnets, joined through a router namespace (the
// host reaches both through it): the agents route each other's pod CIDRs over VXLAN (skiff.1), and a pod on
// node A fetches a page from a pod on node B by its pod IP. Everything made is taken down by PID, mount and name.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from './cluster-harness.ts';
import { SKIFF, BUSYBOX_CHANGES, BUSYBOX_TAR, run, uniqueName, waitFor } from './harness.ts';
import { testNetworkPodCIDR } from './kubelet-harness.ts';
import { cgroupMountScript } from '../src/cluster/nodes/net.ts';
import { containerIds, killNode, removeContainerLeftovers, startDetached, unmountUnder } from '../src/cluster/nodes/procs.ts';

const id = uniqueName('pa').replace(/[^a-z0-9]/g, '').slice(-8);
const ns = { r: `pa-${id}-r`, a: `pa-${id}-a`, b: `pa-${id}-b` };
const hostLink = `pa${id}`; // host end of the host↔router veth
const base = (cidr: string) => cidr.replace(/\.0\/24$/, '');
const [linkH, linkA, linkB] = [testNetworkPodCIDR(), testNetworkPodCIDR(), testNetworkPodCIDR()];
const pods = { a: testNetworkPodCIDR(), b: testNetworkPodCIDR() };
const nodeIP = { a: `${base(linkA)}.2`, b: `${base(linkB)}.2` };
const serverIP = `${base(linkH)}.1`;
const roots = { a: mkdtempSync('/var/tmp/skiff-podnet-a-'), b: mkdtempSync('/var/tmp/skiff-podnet-b-') };
const agents: Record<string, number> = {};
let cp: ControlPlane | undefined;

const ip = (...args: string[]) => execFileSync('/usr/sbin/ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const inNs = (n: string, ...args: string[]) => ip('-n', n, ...args);

before(async () => {
  for (const n of Object.values(ns)) { ip('netns', 'add', n); inNs(n, 'link', 'set', 'lo', 'up'); }
  // host ↔ router on linkH; router ↔ A on linkA; router ↔ B on linkB
  ip('link', 'add', hostLink, 'type', 'veth', 'peer', 'name', 'up0', 'netns', ns.r);
  ip('addr', 'add', `${serverIP}/24`, 'dev', hostLink);
  ip('link', 'set', hostLink, 'up');
  inNs(ns.r, 'addr', 'add', `${base(linkH)}.2/24`, 'dev', 'up0');
  inNs(ns.r, 'link', 'set', 'up0', 'up');
  for (const k of ['a', 'b'] as const) {
    const link = k === 'a' ? linkA : linkB;
    inNs(ns.r, 'link', 'add', `to${k}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns[k]);
    inNs(ns.r, 'addr', 'add', `${base(link)}.1/24`, 'dev', `to${k}`);
    inNs(ns.r, 'link', 'set', `to${k}`, 'up');
    inNs(ns[k], 'addr', 'add', `${nodeIP[k]}/24`, 'dev', 'eth0');
    inNs(ns[k], 'link', 'set', 'eth0', 'up');
    inNs(ns[k], 'route', 'add', 'default', 'via', `${base(link)}.1`);
    ip('netns', 'exec', ns[k], '/usr/sbin/sysctl', '-qw', 'net.ipv4.ip_forward=1');
    ip('route', 'add', link, 'via', `${base(linkH)}.2`);
  }
  inNs(ns.r, 'route', 'add', 'default', 'via', serverIP);
  ip('netns', 'exec', ns.r, '/usr/sbin/sysctl', '-qw', 'net.ipv4.ip_forward=1');

  cp = await startControlPlane({ args: ['--bind-address', serverIP, '--tls-san', serverIP] });
  const token = /token: (\S+)/.exec(readFileSync(cp.kubeconfig, 'utf8'))![1];
  for (const k of ['a', 'b'] as const) {
    const argv = ['/usr/sbin/ip', 'netns', 'exec', ns[k], '/bin/sh', '-c', `${cgroupMountScript()} && exec "$0" "$@"`, SKIFF, 'agent',
      '--server', `https://${serverIP}:${cp.port}`, '--token', token, '--ca-file', join(cp.root, 'tls', 'ca.crt'), '--root', roots[k],
      '--node-name', ns[k], '--node-ip', nodeIP[k], '--pod-cidr', pods[k], '--kubelet-port', '10250'];
    agents[k] = await startDetached(argv, join(roots[k], 'agent.log'), join(roots[k], 'agent.pid'), 500);
  }
});

after(async () => {
  for (const k of ['a', 'b'] as const) {
    await killNode(agents[k], roots[k], ns[k]).catch((err: Error) => process.stderr.write(`killing node ${k}: ${err.message}\n`));
    await removeContainerLeftovers(containerIds(join(roots[k], 'engine')));
    await unmountUnder(roots[k]);
  }
  await cp?.cleanup();
  // the namespaces take their veths, bridges, VXLAN devices and nft tables with them
  for (const n of Object.values(ns)) try { ip('netns', 'del', n); } catch { /* never made */ }
  for (const link of [linkA, linkB]) try { ip('route', 'del', link); } catch { /* went with the veth */ }
  try { ip('link', 'del', hostLink); } catch { /* went with the router's netns */ }
  if (!process.env.SKIFF_KEEP_TEST_ROOT) for (const r of Object.values(roots)) rmSync(r, { recursive: true, force: true });
});

test('agents on different subnets behind a router route pods over VXLAN: a pod on A fetches a page from a pod on B by pod IP', async () => {
  const c = cp!;
  await waitFor('both nodes Ready', async () => {
    const r = await c.kubectl(['get', 'nodes', '-o', 'json']);
    const items = r.code === 0 ? (JSON.parse(r.stdout).items as any[]) : [];
    return items.length === 2 && items.every((n) => n.status?.conditions?.some((x: any) => x.type === 'Ready' && x.status === 'True'));
  }, 120_000, 500);
  for (const k of ['a', 'b'] as const) {
    const sock = `unix://${join(roots[k], 'docker.sock')}`;
    const r = await run(SKIFF, ['-H', sock, 'image', 'import', ...BUSYBOX_CHANGES.flatMap((x) => ['--change', x]), BUSYBOX_TAR, 'busybox:podnet'], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
  }
  const pod = (name: string, node: string, cmd: string) => c.kubectl(['run', name, '--image=busybox:podnet', '--image-pull-policy=IfNotPresent',
    `--overrides={"spec":{"nodeName":"${node}"}}`, '--', 'sh', '-c', cmd]);
  assert.equal((await pod('web', ns.b, 'echo hello-from-b > /tmp/index.html && exec httpd -f -p 8080 -h /tmp')).code, 0);
  assert.equal((await pod('client', ns.a, 'exec sleep 3600')).code, 0);
  const webIP = await waitFor('web Running', async () => {
    const p = await c.kjson(['get', 'pod', 'web']);
    return p.status?.phase === 'Running' && p.status.podIP;
  }, 120_000, 500);
  await waitFor('client Running', async () => (await c.kjson(['get', 'pod', 'client'])).status?.phase === 'Running', 120_000, 500);
  assert.ok(webIP.startsWith(base(pods.b)), webIP);
  // each node reached the other through skiff.1, published its MAC, and routes the other's pods via its VTEP
  assert.match(inNs(ns.a, '-4', 'route', 'show'), new RegExp(`${pods.b.replace(/\./g, '\\.')} via ${base(pods.b).replace(/\./g, '\\.')}\\.0 dev skiff\\.1 onlink`));
  assert.match(inNs(ns.b, '-4', 'route', 'show'), new RegExp(`${pods.a.replace(/\./g, '\\.')} via ${base(pods.a).replace(/\./g, '\\.')}\\.0 dev skiff\\.1 onlink`));
  const nodeA = await c.kjson(['get', 'node', ns.a]);
  assert.match(nodeA.metadata.annotations['skiff.io/vxlan-mac'], /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
  const page = await waitFor('the page from B', async () => {
    // (busybox 1.35's wget -T crashes: kubectl's own timeout bounds it)
    const r = await c.kubectl(['exec', 'client', '--', 'wget', '-qO-', `http://${webIP}:8080/`], { timeoutMs: 20_000 });
    return r.code === 0 && r.stdout.trim();
  }, 30_000, 500);
  assert.equal(page, 'hello-from-b');
});
