// The service proxy in a real agent: two busybox httpd pods behind a NodePort Service with a named
// targetPort; from the host through the ClusterIP and the NodePort, from a pod (itself included: hairpin);
// a Service selecting nothing refuses at once; one endpoint gone moves the traffic; the agent killed -9
// leaves the rules working and its successor resyncs them without duplicates. UDP: stale flows are flushed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { startControlPlane, type ControlPlane } from './cluster-harness.ts';
import { run, waitFor, uniqueName } from './harness.ts';
import { startNode, loadBusybox, type TestNode } from './kubelet-harness.ts';
import { defaultNodeIP } from '../src/agent/index.ts';
import { proxyTableName } from '../src/cluster/proxy/index.ts';

let cp: ControlPlane;
let node: TestNode;
const nodeIP = defaultNodeIP();
const image = 'busybox:svc-proxy-test';

before(async () => {
  cp = await startControlPlane();
  // an agent process, so that it can be killed with SIGKILL
  const token = /token: (\S+)/.exec(readFileSync(cp.kubeconfig, 'utf8'))![1];
  node = await startNode(cp.kubeconfig, { server: `https://127.0.0.1:${cp.port}`, token, caFile: join(cp.root, 'tls', 'ca.crt') }, { nodeIP });
  await loadBusybox(node, image);
});

after(async () => {
  await cp?.kubectl(['delete', 'pods', '--all', '--wait=true', '--timeout=60s'], { timeoutMs: 90_000 }).catch(() => undefined);
  await node?.cleanup();
  await cp?.cleanup();
});

/** GET / on ip:port: the body (the pod's hostname), or the error's code */
function get(ip: string, port: number, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: ip, port, path: '/', timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body.trim()));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => resolve(`error:${err.code}`));
    req.end();
  });
}

/** how a TCP connect ends and how long it took */
function connectResult(ip: string, port: number): Promise<{ code: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const s = connect({ host: ip, port, timeout: 5000 });
    const done = (code: string) => { s.destroy(); resolve({ code, ms: performance.now() - t0 }); };
    s.on('connect', () => done('connected'));
    s.on('timeout', () => done('TIMEOUT'));
    s.on('error', (err: NodeJS.ErrnoException) => done(err.code ?? 'error'));
  });
}

function podYaml(name: string): string {
  return `apiVersion: v1
kind: Pod
metadata: { name: ${name}, labels: { app: web } }
spec:
  nodeName: ${node.name}
  containers:
  - name: httpd
    image: ${image}
    imagePullPolicy: IfNotPresent
    ports: [{ name: http, containerPort: 8080 }]
    command: ["sh", "-c", "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www"]
`;
}

const svcYaml = (name: string, selector: string, type = 'NodePort') => `apiVersion: v1
kind: Service
metadata: { name: ${name} }
spec:
  type: ${type}
  selector: { app: ${selector} }
  ports: [{ name: web, port: 80, targetPort: http }]
`;

async function hostnamesSeen(ip: string, port: number, want: string[], tries = 60): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < tries && want.some((w) => !seen.has(w)); i++) seen.add(await get(ip, port));
  return seen;
}

/** the table's handle (a whole-table write makes a new one), its chains' rules by chain (a chain listed twice
 * counts twice), and one Service's chains and map elements (others, default/kubernetes, may change meanwhile) */
async function tableState(table: string, svc: string): Promise<{ handle: string; chains: Array<[string, string[]]>; service: string }> {
  const text = (await run('nft', ['-a', 'list', 'table', 'ip', table])).stdout;
  const handle = /^table ip \S+ \{ # handle (\d+)/m.exec(text)?.[1] ?? '';
  const chains: Array<[string, string[]]> = [];
  const service: string[] = [];
  let current: string[] | undefined;
  for (const l of text.split('\n').map((x) => x.replace(/ # handle \d+/, ''))) {
    const head = /^\tchain (\S+) \{/.exec(l);
    if (head) chains.push([head[1], (current = [])]);
    else if (l === '\t}') current = undefined;
    else if (current && l.trim()) current.push(l.trim());
    const mine = chains.length > 0 && current && chains[chains.length - 1][0].includes(`default/${svc}/`);
    if (mine || (l.includes(`default/${svc}/`) && l.includes(':'))) service.push(l.trim().replace(/,$/, ''));
  }
  return { handle, chains, service: service.sort().join('\n') };
}

test('ClusterIP and NodePort reach ready pods end to end; no endpoints refuse at once; the rules outlive a kill -9 of the agent', async () => {
  const web = uniqueName('web');
  const nobody = uniqueName('none');
  for (const p of ['web-1', 'web-2']) assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: podYaml(p) })).code, 0);
  assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: svcYaml(web, 'web') })).code, 0);
  assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: svcYaml(nobody, nobody, 'ClusterIP') })).code, 0);
  for (const p of ['web-1', 'web-2']) await waitFor(`${p} Running`, async () => (await cp.kjson(['get', 'pod', p])).status?.phase === 'Running', 90_000, 300);
  const svc = await cp.kjson(['get', 'svc', web]);
  const clusterIP: string = svc.spec.clusterIP;
  const nodePort: number = svc.spec.ports[0].nodePort;

  // both endpoints answer through the ClusterIP (from the host: masqueraded) and the NodePort
  await waitFor('the ClusterIP answering', async () => (await get(clusterIP, 80)).startsWith('web-'), 30_000, 200);
  assert.deepEqual([...await hostnamesSeen(clusterIP, 80, ['web-1', 'web-2'])].sort(), ['web-1', 'web-2']);
  assert.deepEqual([...await hostnamesSeen(nodeIP, nodePort, ['web-1', 'web-2'])].sort(), ['web-1', 'web-2']);

  // from a pod, and from a pod to itself through its own Service (hairpin); busybox wget -T segfaults
  const fromPod = await cp.kubectl(['exec', 'web-1', '--', 'sh', '-c', `for i in $(seq 1 30); do wget -qO- http://${clusterIP}/; done | sort -u`]);
  assert.deepEqual(fromPod.stdout.trim().split('\n'), ['web-1', 'web-2'], fromPod.stderr);

  // a Service with no endpoints: refused quickly (not a hang), and a port the Service lacks too
  const none = await cp.kjson(['get', 'svc', nobody]);
  await waitFor('no endpoints refused', async () => (await connectResult(none.spec.clusterIP, 80)).code === 'ECONNREFUSED', 10_000, 100);
  const refused = await connectResult(none.spec.clusterIP, 80);
  assert.equal(refused.code, 'ECONNREFUSED');
  assert.ok(refused.ms < 1000, `refused in ${refused.ms} ms`);
  assert.equal((await connectResult(clusterIP, 81)).code, 'ECONNREFUSED');

  // one endpoint gone: only the other gets traffic
  assert.equal((await cp.kubectl(['delete', 'pod', 'web-2', '--wait=true', '--timeout=60s'], { timeoutMs: 90_000 })).code, 0);
  await waitFor('only web-1 behind the Service', async () => {
    const seen = await hostnamesSeen(clusterIP, 80, ['never'], 10);
    return seen.size === 1 && seen.has('web-1');
  }, 30_000, 200);

  // the agent killed (-9): the data path stays; the next agent rewrites the table whole (a new table handle),
  // the same rules as before and nothing twice
  const table = proxyTableName(node.root);
  const before = await tableState(table, web);
  await node.kill();
  assert.equal(await get(clusterIP, 80), 'web-1');
  assert.equal(await get(nodeIP, nodePort), 'web-1');
  node.start();
  const after = await waitFor('the new agent wrote its table', async () => {
    const now = await tableState(table, web);
    return now.handle !== before.handle ? now : undefined;
  }, 60_000, 300);
  assert.ok(before.service.includes('dnat'), before.service);
  assert.equal(after.service, before.service);
  // nothing twice: every chain once, no rule twice in one chain
  const names = after.chains.map(([n]) => n);
  assert.equal(new Set(names).size, names.length);
  for (const [n, rules] of after.chains) assert.equal(new Set(rules).size, rules.length, `${n}: ${rules.join('; ')}`);
  assert.equal(await get(clusterIP, 80), 'web-1');
  // and keeps following changes
  assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: podYaml('web-3') })).code, 0);
  await waitFor('web-3 behind the Service', async () => (await hostnamesSeen(clusterIP, 80, ['web-1', 'web-3'], 20)).has('web-3'), 90_000, 300);
  const chain = (await run('nft', ['list', 'table', 'ip', table])).stdout.split('\n\n').find((c) => c.includes(`chain service-`) && c.includes(`default/${web}/tcp/web`))!;
  assert.equal(chain.split('\n').filter((l) => /dnat|jump/.test(l)).length, 2, chain);
});

/** one datagram from a local port (0: any) to ip:port: the answer, or '' after timeoutMs */
async function udpAsk(ip: string, port: number, fromPort: number, timeoutMs = 1500): Promise<string> {
  const sock = createSocket({ type: 'udp4', reuseAddr: true });
  try {
    await new Promise<void>((ok) => sock.bind(fromPort, ok));
    const answer = new Promise<string>((ok) => {
      sock.once('message', (m) => ok(m.toString().trim()));
      setTimeout(() => ok(''), timeoutMs);
    });
    sock.send('who\n', port, ip);
    return await answer;
  } finally {
    sock.close();
  }
}

/** a UDP server on nodeIP answering every datagram with `name` */
async function udpServer(name: string): Promise<{ port: number; close(): void }> {
  const sock = createSocket('udp4');
  sock.on('message', (_m, from) => sock.send(name, from.port, from.address));
  await new Promise<void>((ok) => sock.bind(0, nodeIP, ok));
  return { port: sock.address().port, close: () => sock.close() };
}

// endpoints need not be pods: a selector-less Service with a slice per endpoint, both on this host
const udpSlice = (svc: string, name: string, port: number) => `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: ${svc}-${name}, labels: { kubernetes.io/service-name: ${svc} } }
addressType: IPv4
ports: [{ name: dns, port: ${port}, protocol: UDP }]
endpoints: [{ addresses: ["${nodeIP}"], conditions: { ready: true } }]
`;

test('UDP: a flow to a removed endpoint is flushed, the next datagram of the same flow reaches another one', async () => {
  const svc = uniqueName('udp');
  const servers = { a: await udpServer('a'), b: await udpServer('b') };
  try {
    const yaml = `apiVersion: v1\nkind: Service\nmetadata: { name: ${svc} }\nspec:\n  ports: [{ name: dns, port: 53, protocol: UDP }]\n`;
    assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: yaml })).code, 0);
    for (const [n, s] of Object.entries(servers)) assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: udpSlice(svc, n, s.port) })).code, 0);
    const ip: string = (await cp.kjson(['get', 'svc', svc])).spec.clusterIP;
    const fromPort = 20000 + Math.floor(Math.random() * 20000);
    // both endpoints in the rules: new flows see both (a fresh source port each: a flow sticks to its endpoint)
    await waitFor('both UDP endpoints answering', async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 16; i++) seen.add(await udpAsk(ip, 53, 0, 500));
      return seen.has('a') && seen.has('b');
    }, 30_000, 200);
    const first = await udpAsk(ip, 53, fromPort);
    assert.match(first, /^[ab]$/);
    // one flow (one source port) stays on its endpoint
    for (let i = 0; i < 3; i++) assert.equal(await udpAsk(ip, 53, fromPort), first);
    // that endpoint leaves the Service (its server still answers): without the flush, conntrack would keep
    // this flow on it for minutes
    assert.equal((await cp.kubectl(['delete', 'endpointslice', `${svc}-${first}`])).code, 0);
    const other = first === 'a' ? 'b' : 'a';
    await waitFor(`the flow moved to ${other}`, async () => (await udpAsk(ip, 53, fromPort, 500)) === other, 15_000, 100);
  } finally {
    servers.a.close();
    servers.b.close();
    await cp.kubectl(['delete', 'svc', svc, '--wait=false']);
  }
});

/** an HTTP server on nodeIP answering every request with `name` */
async function httpServer(name: string): Promise<{ port: number; close(): void }> {
  const { createServer } = await import('node:http');
  const srv = createServer((_req, res) => res.end(name));
  await new Promise<void>((ok) => srv.listen(0, nodeIP, ok));
  return { port: (srv.address() as { port: number }).port, close: () => srv.close() };
}

const tcpSlice = (svc: string, name: string, ports: Array<[string, number]>, nodeName: string) => `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: ${svc}-${name}, labels: { kubernetes.io/service-name: ${svc} } }
addressType: IPv4
ports: [${ports.map(([n, p]) => `{ name: ${n}, port: ${p}, protocol: TCP }`).join(', ')}]
endpoints: [{ addresses: ["${nodeIP}"], nodeName: ${nodeName}, conditions: { ready: true } }]
`;

test('multi-port, externalIPs, a LoadBalancer address, ClientIP affinity and internalTrafficPolicy Local', async () => {
  const svc = uniqueName('multi');
  const s = { a: await httpServer('a'), b: await httpServer('b'), aAdmin: await httpServer('a-admin'), bAdmin: await httpServer('b-admin') };
  const externalIP = `203.0.113.${1 + Math.floor(Math.random() * 250)}`;
  try {
    // a LoadBalancer of another implementation (servicelb leaves it alone): its address is set by hand
    const yaml = `apiVersion: v1\nkind: Service\nmetadata: { name: ${svc} }\nspec:\n  type: LoadBalancer\n  loadBalancerClass: example.com/other\n  externalIPs: ["${externalIP}"]\n  ports: [{ name: web, port: 80 }, { name: admin, port: 81 }]\n`;
    assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: yaml })).code, 0);
    // endpoint a on this node, b on another: each serves both ports, on ports of its own
    assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: tcpSlice(svc, 'a', [['web', s.a.port], ['admin', s.aAdmin.port]], node.name) })).code, 0);
    assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: tcpSlice(svc, 'b', [['web', s.b.port], ['admin', s.bAdmin.port]], 'elsewhere') })).code, 0);
    const ip: string = (await cp.kjson(['get', 'svc', svc])).spec.clusterIP;
    const seen = async (host: string, port: number, n = 16) => { const x = new Set<string>(); for (let i = 0; i < n; i++) x.add(await get(host, port)); return [...x].sort().join(' '); };
    await waitFor('both endpoints on both ports', async () => (await seen(ip, 80)) === 'a b' && (await seen(ip, 81)) === 'a-admin b-admin', 30_000, 200);
    assert.equal(await seen(externalIP, 80), 'a b');
    const lbIP = `203.0.113.${(Number(externalIP.split('.')[3]) % 250) + 2}`;
    const st = await cp.kubectl(['patch', 'svc', svc, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { loadBalancer: { ingress: [{ ip: lbIP, ipMode: 'VIP' }] } } })]);
    assert.equal(st.code, 0, st.stderr);
    await waitFor('the LoadBalancer address answering', async () => (await seen(lbIP, 81)) === 'a-admin b-admin', 30_000, 200);

    assert.equal((await cp.kubectl(['patch', 'svc', svc, '-p', '{"spec":{"sessionAffinity":"ClientIP"}}'])).code, 0);
    await waitFor('one client, one endpoint', async () => (await seen(ip, 80)).split(' ').length === 1, 30_000, 200);
    assert.equal((await seen(externalIP, 80)).split(' ').length, 1);

    assert.equal((await cp.kubectl(['patch', 'svc', svc, '-p', '{"spec":{"sessionAffinity":"None","internalTrafficPolicy":"Local"}}'])).code, 0);
    await waitFor('only the local endpoint for cluster traffic', async () => (await seen(ip, 80)) === 'a' && (await seen(ip, 81)) === 'a-admin', 30_000, 200);
    // external traffic keeps its own policy (Cluster)
    assert.equal(await seen(externalIP, 80), 'a b');
  } finally {
    for (const x of Object.values(s)) x.close();
    await cp.kubectl(['delete', 'svc', svc, '--wait=false']);
  }
});
