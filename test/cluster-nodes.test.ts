// `skiff up --nodes 2`: three real nodes on this machine (the host and two network namespaces), each a `skiff
// agent`; a Deployment spread over them, pods reaching each other across nodes by pod IP without NAT, a node
// killed (its pods Running elsewhere within the grace period + 30 s), and `skiff down` leaving nothing behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, startDaemon, waitFor, ok, mountsUnder, type Daemon } from './harness.ts';
import { KUBECTL, freePort } from './cluster-harness.ts';
import { containerCgroupDirs } from '../src/cluster/nodes/procs.ts';
import { nftTableName } from '../src/engine/network/nft.ts';

const GRACE_S = 10;

interface Pod { name: string; node: string; ip: string; ready: boolean; phase: string }

/** what a cluster may leave on the host: its netns (the nodes' and the pods'), links, nft tables, mounts,
 * processes (by command line or by a container's cgroup), routes, the containers' cgroups */
function hostState(root: string, id: string, containers: Set<string>): string[] {
  const netns = existsSync('/run/netns') ? readdirSync('/run/netns') : [];
  // one read per process (it may exit meanwhile); zombies are gone for our purposes
  const procs: string[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      if (/\) Z /.test(readFileSync(`/proc/${p}/stat`, 'utf8'))) continue;
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      const inCgroup = readFileSync(`/proc/${p}/cgroup`, 'utf8').split('\n').some((l) => containers.has(l.split('/').pop() ?? ''));
      if (cmd.includes(root) || inCgroup) procs.push(`${p}: ${cmd.replaceAll('\0', ' ').slice(0, 120)}`);
    } catch {
      // exited while we looked
    }
  }
  const nft = runSync('/usr/sbin/nft', ['list', 'tables']);
  return [
    ...netns.filter((n) => n.includes(id) || containers.has(n.replace(/^skiff-/, ''))).map((n) => `netns ${n}`),
    ...readdirSync('/sys/class/net').filter((n) => n.startsWith(`skc${id}`)).map((n) => `link ${n}`),
    // the cluster's table and the host node engine's own (named after its root)
    ...nft.split('\n').filter((l) => l.includes(id) || l.endsWith(` ${nftTableName(join(root, 'nodes', 'node-1', 'engine'))}`)).map((l) => `nft ${l}`),
    ...runSync('/usr/sbin/ip', ['-4', 'route']).split('\n').filter((l) => l.includes(`skc${id}`)).map((l) => `route ${l}`),
    ...mountsUnder(root).map((m) => `mount ${m}`),
    ...containerCgroupDirs([...containers]).map((d) => `cgroup ${d}`),
    ...procs.map((p) => `process ${p}`),
  ];
}

const runSync = (cmd: string, args: string[]) => execFileSync(cmd, args).toString();

test('skiff up --nodes 2: three nodes, pods across them by pod IP, a node killed, skiff down leaves nothing', { timeout: 600_000 }, async (t) => {
  const root = await mkdtemp('/var/tmp/skiff-nodes-test-');
  const port = await freePort();
  let engine: Daemon | undefined;
  const containers = new Set<string>();
  const collect = () => {
    for (const n of ['node-1', 'node-2', 'node-3']) {
      const dir = join(root, 'nodes', n, 'engine', 'containers');
      if (existsSync(dir)) for (const c of readdirSync(dir)) containers.add(c);
    }
  };
  let id = '';
  let passed = false;
  const skiff = (args: string[], timeoutMs = 120_000) => engine!.skiff(args, { timeoutMs });
  const kubectl = (args: string[], timeoutMs = 60_000) => run(KUBECTL, ['--kubeconfig', join(root, 'admin.kubeconfig'), ...args], { timeoutMs });
  try {
    engine = await startDaemon(); // the local engine `skiff nodes load` copies from (busybox imported)
    const up = await skiff(['up', '--no-sample', '--nodes', '2', '--root', root, '--port', String(port), '--node-monitor-grace-period', `${GRACE_S}s`], 180_000);
    ok(up);
    const layout = JSON.parse(readFileSync(join(root, 'cluster.json'), 'utf8')) as { id: string; nodes: Array<{ name: string; ip: string; podCIDR: string; netns: string }> };
    id = layout.id;
    assert.deepEqual(layout.nodes.map((n) => n.name), ['node-1', 'node-2', 'node-3']);

    // 3 Ready nodes without taints (the not-ready taint goes a moment after Ready: pods applied before would
    // all land on the first node)
    await waitFor('3 Ready untainted nodes', async () => {
      const r = await kubectl(['get', 'nodes', '-o', 'json']);
      if (r.code !== 0) return undefined;
      const items = (JSON.parse(r.stdout) as { items: Array<{ spec: { taints?: unknown[] }; status: { conditions?: Array<{ type: string; status: string }> } }> }).items;
      const good = items.filter((n) => !n.spec.taints?.length && n.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      return good.length === 3 ? good : undefined;
    }, 90_000, 1000);
    const ls = await skiff(['nodes', 'ls', '--root', root]);
    ok(ls);
    assert.match(ls.stdout, /^NAME\s+STATUS/);
    for (const n of layout.nodes) assert.match(ls.stdout, new RegExp(`${n.name}\\s+Ready\\s+running \\(pid \\d+\\)\\s+${n.ip.replaceAll('.', '\\.')}`));

    ok(await skiff(['nodes', 'load', '--root', root, 'busybox']));
    const manifest = join(root, 'web.yaml');
    await writeFile(manifest, deployment());
    ok(await kubectl(['apply', '-f', manifest]));
    const pods = async (): Promise<Pod[]> => {
      const r = await kubectl(['get', 'pods', '-l', 'app=web', '-o', 'json']);
      const items = (JSON.parse(r.stdout) as { items: Array<{ metadata: { name: string; deletionTimestamp?: string }; spec: { nodeName?: string }; status: { podIP?: string; phase?: string; conditions?: Array<{ type: string; status: string }> } }> }).items;
      return items.filter((p) => !p.metadata.deletionTimestamp).map((p) => ({
        name: p.metadata.name, node: p.spec.nodeName ?? '', ip: p.status.podIP ?? '', phase: p.status.phase ?? '',
        ready: p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
      }));
    };
    // the node controller's NodeNotReady events about Nodes (a node it found quiet)
    const nodesNotReady = async () => {
      const r = await kubectl(['get', 'events', '-A', '--field-selector', 'reason=NodeNotReady,involvedObject.kind=Node', '-o', 'json']);
      ok(r);
      return [...new Set((JSON.parse(r.stdout) as { items: Array<{ involvedObject: { name: string } }> }).items.map((e) => e.involvedObject.name))].sort();
    };
    const ready = await waitFor('6 Ready web pods', async () => {
      const ps = await pods();
      return ps.length === 6 && ps.every((p) => p.ready) ? ps : undefined;
    }, 120_000, 1000);
    // the scheduler spreads a Deployment as kube-scheduler does by default (maxSkew 3, ScheduleAnyway): over
    // at least two nodes, not always three
    const nodesUsed = new Set(ready.map((p) => p.node));
    const placement = ready.map((p) => `${p.name}@${p.node}`).join(' ');
    t.diagnostic(`placement: ${placement}`);
    assert.ok(nodesUsed.size >= 2, `pods spread over the nodes: ${placement}`);
    // the node to kill and the client: a node host in its own netns that runs some of them
    const victim = ['node-2', 'node-3'].find((n) => nodesUsed.has(n));
    assert.ok(victim, `a netns node runs pods: ${placement}`);
    for (const p of ready) assert.ok(layout.nodes.find((n) => n.name === p.node)!.podCIDR.startsWith(p.ip.split('.').slice(0, 3).join('.') + '.'), `${p.name}'s IP ${p.ip} is in ${p.node}'s pod CIDR`);

    // kubectl exec into a pod on that node: it fetches a page from a pod on each other node by pod IP; the page names the
    // peer's address as the server saw it: the client pod's own IP (no NAT between nodes)
    const client = ready.find((p) => p.node === victim)!;
    for (const target of [...nodesUsed].filter((n) => n !== victim)) {
      const server = ready.find((p) => p.node === target)!;
      const page = await kubectl(['exec', client.name, '--', 'wget', '-qO-', `http://${server.ip}:8080/`]);
      ok(page);
      assert.equal(page.stdout.trim(), `hello from ${server.name}`);
      const peer = await kubectl(['exec', client.name, '--', 'wget', '-qO-', `http://${server.ip}:8080/cgi-bin/peer`]);
      ok(peer);
      assert.equal(peer.stdout.trim().replace(/^\[::ffff:(.*)\]$/, '$1'), client.ip, `the server on ${target} saw the client pod's own IP`);
    }
    // the host reaches every pod
    for (const p of ready) {
      const r = await fetch(`http://${p.ip}:8080/`, { signal: AbortSignal.timeout(5000) });
      assert.equal((await r.text()).trim(), `hello from ${p.name}`);
    }

    // no live node was ever taken for quiet (its pods would be evicted under the test's feet)
    assert.deepEqual(await nodesNotReady(), [], 'no node went NotReady before one was killed');

    // the node killed: its pods Running and Ready elsewhere within the grace period + 30 s
    collect();
    const stoppedAt = Date.now();
    ok(await skiff(['nodes', 'stop', '--root', root, victim]));
    await waitFor(`6 Ready web pods off ${victim}`, async () => {
      const ps = await pods();
      return ps.length === 6 && ps.every((p) => p.ready && p.phase === 'Running' && p.node !== victim) ? ps : undefined;
    }, (GRACE_S + 30) * 1000, 1000);
    t.diagnostic(`pods of the killed node Running elsewhere after ${((Date.now() - stoppedAt) / 1000).toFixed(1)} s (grace ${GRACE_S} s)`);
    const after = await skiff(['nodes', 'ls', '--root', root]);
    assert.match(after.stdout, new RegExp(`${victim}\\s+(NotReady|Unknown)\\s+stopped`));
    assert.deepEqual(await nodesNotReady(), [victim], 'only the killed node went NotReady');

    // the node comes back
    ok(await skiff(['nodes', 'start', '--root', root, victim]));
    await waitFor(`${victim} Ready again`, async () => new RegExp(`${victim}\\s+Ready\\s+running`).test((await skiff(['nodes', 'ls', '--root', root])).stdout), 60_000, 1000);
    collect();

    const before = hostState(root, id, containers);
    // (mounts under the root only when the host node runs pods: the netns nodes' are in their own mount namespaces)
    for (const kind of ['netns', 'link', 'nft', 'route', 'process', 'cgroup']) {
      assert.ok(before.some((l) => l.startsWith(kind)), `the cluster's ${kind}s show on the host before down:\n${before.join('\n')}`);
    }
    const down = await skiff(['down', '--no-sample', '--root', root], 120_000);
    ok(down);
    assert.deepEqual(hostState(root, id, containers), [], 'skiff down leaves no netns, link, nft table, route, mount or process');
    passed = true;
  } finally {
    try {
      collect();
      if (id && hostState(root, id, containers).length) {
        const r = await engine?.skiff(['down', '--no-sample', '--root', root], { timeoutMs: 120_000 });
        t.diagnostic(`cleanup: skiff down: ${r?.code} ${r?.stdout}${r?.stderr}; left: ${hostState(root, id, containers).join('; ')}`);
      }
    } finally {
      await engine?.cleanup();
      // a failure keeps the server's and agents' logs for a look (the rest of the root goes)
      if ((!passed || process.env.SKIFF_TEST_KEEP_LOGS) && existsSync(join(root, 'logs'))) {
        await cp(join(root, 'logs'), `${root}.logs`, { recursive: true });
        t.diagnostic(`logs kept in ${root}.logs`);
      }
      await rm(root, { recursive: true, force: true });
    }
  }
});

function deployment(): string {
  // busybox httpd with a page naming the pod and a CGI naming the client's address as the server saw it
  const script = 'mkdir -p /www/cgi-bin && echo hello from $(hostname) > /www/index.html && ' +
    "printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho $REMOTE_ADDR\\n' > /www/cgi-bin/peer && chmod +x /www/cgi-bin/peer && exec httpd -f -p 8080 -h /www";
  return `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 6
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      terminationGracePeriodSeconds: 2
      containers:
      - name: httpd
        image: busybox:latest
        imagePullPolicy: Never
        command: ["sh", "-c", ${JSON.stringify(script)}]
        ports: [{ containerPort: 8080 }]
        readinessProbe: { httpGet: { path: /, port: 8080 }, periodSeconds: 2 }
`;
}
