// The built-in Ingress controller end to end: a real `skiff server` with its Ingress listeners and --lb-pool,
// the real kubectl, and backends that are HTTP servers of this test on loopback, published the Kubernetes way
// (selector-less Services with EndpointSlices). Host/path rules, default backend, X-Forwarded-*, keep-alive
// across a rule change, streamed bodies both ways, WebSocket over HTTP and HTTPS, TLS from a Secret by SNI,
// HTTP/2 by ALPN, round-robin with a dead endpoint skipped, events for a missing Service and Secret, status.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, Agent, type Server, type IncomingMessage } from 'node:http';
import { connect as h2connect } from 'node:http2';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { startControlPlane, freePort, type ControlPlane } from './cluster-harness.ts';
import { waitFor } from './harness.ts';
import { selfSignedServingTls } from '../src/cluster/server/tls.ts';
import { acceptWebSocket, frameWebSocket } from '../src/lib/websocket/index.ts';

let cp: ControlPlane;
let httpPort = 0;
let httpsPort = 0;
const backends: { name: string; server: Server; port: number }[] = [];
let deadPort = 0;
const LB_POOL = '10.254.77.10-10.254.77.12';

/** an HTTP server that tells who it is and what it got; echoes bodies by hash; streams; speaks WebSocket */
async function startBackend(name: string): Promise<number> {
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/stream')) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first\n');
      setTimeout(() => res.end('last\n'), 700);
      return;
    }
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (c: Buffer) => { hash.update(c); bytes += c.length; });
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-backend': name });
      res.end(JSON.stringify({ name, method: req.method, url: req.url, headers: req.headers, bytes, sha: hash.digest('hex'), remote: req.socket.remotePort }));
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    const ws = acceptWebSocket(req, socket, head, '', {
      message: (data) => void ws.send(Buffer.from(`${name} ${req.headers['x-forwarded-proto']} ${data.toString()}`), false),
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  const port = (server.address() as AddressInfo).port;
  backends.push({ name, server, port });
  return port;
}

function get(path: string, host: string, agent?: Agent): Promise<{ status: number; body: string; headers: IncomingMessage['headers'] }> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port: httpPort, path, headers: { host }, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c) => (body += c)).on('end', () => ok({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', fail).end();
  });
}

const apply = async (yaml: string) => {
  const r = await cp.kubectl(['apply', '-f', '-'], { input: yaml });
  assert.equal(r.code, 0, r.stderr);
};

/** a selector-less Service and its EndpointSlice naming our backends (and maybe a dead port) */
const serviceYaml = (name: string, ports: number[]) => `
apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec: {ports: [{name: web, port: 80, targetPort: 8080}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: ${name}-a, labels: {kubernetes.io/service-name: ${name}}}
addressType: IPv4
endpoints: [{addresses: ["127.0.0.1"], conditions: {ready: true}}]
ports: [{name: web, port: ${ports[0]}, protocol: TCP}]
${ports.slice(1).map((p, i) => `---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: ${name}-${i}, labels: {kubernetes.io/service-name: ${name}}}
addressType: IPv4
endpoints: [{addresses: ["127.0.0.1"], conditions: {ready: true}}]
ports: [{name: web, port: ${p}, protocol: TCP}]`).join('\n')}
`;

before(async () => {
  [httpPort, httpsPort, deadPort] = await Promise.all([freePort(), freePort(), freePort()]);
  cp = await startControlPlane({ args: ['--ingress-bind', '127.0.0.1', '--ingress-http-port', String(httpPort), '--ingress-https-port', String(httpsPort), '--lb-pool', LB_POOL] });
  const [root, api, api2, other] = [await startBackend('root'), await startBackend('api'), await startBackend('api2'), await startBackend('other')];
  const tls = await selfSignedServingTls('a.test', ['a.test']);
  await apply(`${serviceYaml('root', [root])}---${serviceYaml('api', [api, deadPort, api2])}---${serviceYaml('other', [other])}
---
apiVersion: v1
kind: Secret
metadata: {name: a-tls}
type: kubernetes.io/tls
data: {tls.crt: ${Buffer.from(tls.cert).toString('base64')}, tls.key: ${Buffer.from(tls.key).toString('base64')}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: a}
spec:
  tls: [{hosts: [a.test], secretName: a-tls}, {hosts: [b.test], secretName: nowhere}]
  defaultBackend: {service: {name: other, port: {number: 80}}}
  rules:
  - host: a.test
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: root, port: {name: web}}}}
      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}
      - {path: /exact, pathType: Exact, backend: {service: {name: other, port: {number: 80}}}}
      - {path: /gone, pathType: Prefix, backend: {service: {name: missing, port: {number: 80}}}}
  - http:
      paths:
      - {path: /ws, pathType: ImplementationSpecific, backend: {service: {name: root, port: {number: 80}}}}
`);
  // the rules are in once the first one answers
  await waitFor('the Ingress to route', async () => (await get('/', 'a.test').catch(() => ({ status: 0 }))).status === 200, 30_000, 100);
});

after(async () => {
  await cp?.cleanup();
  await Promise.all(backends.map((b) => new Promise<void>((ok) => { b.server.closeAllConnections(); b.server.close(() => ok()); })));
});

test('host and path rules, Exact, the default backend, X-Forwarded-*, a missing Service answers 503 while the rest work', async () => {
  const seen = async (path: string, host = 'a.test') => {
    const r = await get(path, host);
    return r.status === 200 ? JSON.parse(r.body).name : r.status;
  };
  assert.equal(await seen('/'), 'root');
  assert.equal(await seen('/apix'), 'root');
  assert.ok(['api', 'api2'].includes(await seen('/api/v1?x=1')));
  assert.equal(await seen('/exact'), 'other');
  assert.equal(await seen('/exact/more'), 'root', 'Exact does not match below it');
  assert.equal(await seen('/', 'nobody.test'), 'other', 'the default backend');
  assert.equal(await seen('/ws', '127.0.0.1'), 'root', 'a rule without host');
  const gone = await get('/gone', 'a.test');
  assert.equal(gone.status, 503);
  assert.match(gone.body, /service "default\/missing" not found/);

  const r = JSON.parse((await get('/api/echo', 'a.test:1234')).body);
  assert.equal(r.headers.host, 'a.test:1234', 'Host kept');
  assert.equal(r.headers['x-forwarded-for'], '127.0.0.1');
  assert.equal(r.headers['x-forwarded-proto'], 'http');
  assert.equal(r.headers['x-forwarded-host'], 'a.test:1234');
  assert.equal(r.url, '/api/echo');
});

test('round-robin over ready endpoints; the dead one is skipped, no request fails', async () => {
  const names = [];
  for (let i = 0; i < 12; i++) {
    const r = await get('/api', 'a.test');
    assert.equal(r.status, 200, r.body);
    names.push(JSON.parse(r.body).name);
  }
  assert.deepEqual([...new Set(names)].sort(), ['api', 'api2']);
  assert.ok(names.filter((n) => n === 'api').length >= 4 && names.filter((n) => n === 'api2').length >= 4, names.join(','));
});

test('keep-alive: one client connection carries on across a rule change', async () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    let sockets = 0;
    const before1 = await get('/exact', 'a.test', agent);
    assert.equal(JSON.parse(before1.body).name, 'other');
    const socket = (agent.freeSockets['127.0.0.1:' + httpPort + ':'] ?? Object.values(agent.freeSockets)[0])?.[0];
    assert.ok(socket, 'the connection stays open');
    socket.once('close', () => sockets++);
    const r = await cp.kubectl(['patch', 'ingress', 'a', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/rules/0/http/paths/2/backend/service/name","value":"api"}]']);
    assert.equal(r.code, 0, r.stderr);
    await waitFor('the new rule', async () => ['api', 'api2'].includes(JSON.parse((await get('/exact', 'a.test', agent)).body).name), 15_000, 50);
    assert.equal(sockets, 0, 'the client connection was not closed');
    assert.equal(Object.values(agent.freeSockets)[0]?.[0], socket, 'the same connection');
  } finally {
    agent.destroy();
  }
});

test('bodies stream both ways: 8 MB up with its hash, a slow response arrives in parts', async () => {
  const body = randomBytes(8 << 20);
  const res = await new Promise<string>((ok, fail) => {
    const req = request({ host: '127.0.0.1', port: httpPort, path: '/upload', method: 'POST', headers: { host: 'a.test', 'transfer-encoding': 'chunked' } }, (r) => {
      let s = '';
      r.setEncoding('utf8').on('data', (c) => (s += c)).on('end', () => ok(s));
    });
    req.on('error', fail);
    for (let i = 0; i < body.length; i += 1 << 20) req.write(body.subarray(i, i + (1 << 20)));
    req.end();
  });
  const got = JSON.parse(res);
  assert.equal(got.bytes, body.length);
  assert.equal(got.sha, createHash('sha256').update(body).digest('hex'));

  const parts = await new Promise<{ at: number; text: string }[]>((ok, fail) => {
    const start = Date.now();
    const out: { at: number; text: string }[] = [];
    request({ host: '127.0.0.1', port: httpPort, path: '/stream', headers: { host: 'a.test' } }, (r) => {
      r.setEncoding('utf8').on('data', (c: string) => out.push({ at: Date.now() - start, text: c })).on('end', () => ok(out));
    }).on('error', fail).end();
  });
  assert.equal(parts.map((p) => p.text).join(''), 'first\nlast\n');
  assert.equal(parts[0].text, 'first\n', 'the first part came alone');
  assert.ok(parts.at(-1)!.at - parts[0].at >= 400, `the parts came apart in time: ${JSON.stringify(parts)}`);
});

test('WebSocket through the Ingress, over HTTP (the platform client) and HTTPS', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${httpPort}/ws`);
  const reply = await new Promise<string>((ok, fail) => {
    ws.onopen = () => ws.send('ping-1');
    ws.onmessage = (e) => ok(String(e.data));
    ws.onerror = () => fail(new Error('websocket error'));
  });
  ws.close();
  assert.equal(reply, 'root http ping-1');

  const tls = await new Promise<TLSSocket>((ok, fail) => {
    const s = tlsConnect({ host: '127.0.0.1', port: httpsPort, servername: 'a.test', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => ok(s));
    s.once('error', fail);
  });
  try {
    const key = randomBytes(16).toString('base64');
    tls.write(`GET /ws HTTP/1.1\r\nHost: x.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    const head = await new Promise<{ status: string; rest: Buffer }>((ok) => {
      let buf = Buffer.alloc(0);
      const onData = (c: Buffer) => {
        buf = Buffer.concat([buf, c]);
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        tls.off('data', onData);
        ok({ status: buf.subarray(0, end).toString().split('\r\n')[0], rest: buf.subarray(end + 4) });
      };
      tls.on('data', onData);
    });
    assert.equal(head.status, 'HTTP/1.1 101 Switching Protocols');
    const msg = await new Promise<string>((ok) => {
      const client = frameWebSocket(tls, head.rest, '', { message: (d) => ok(d.toString()) }, { client: true });
      client.send(Buffer.from('ping-2'), false);
    });
    assert.equal(msg, 'root https ping-2');
  } finally {
    tls.destroy();
  }
});

test('TLS: the Secret\'s certificate for its host by SNI, the default one otherwise; HTTP/2 by ALPN', async () => {
  const peer = (servername: string) => new Promise<{ cert: X509Certificate; alpn: string | false | null }>((ok, fail) => {
    const s = tlsConnect({ host: '127.0.0.1', port: httpsPort, servername, rejectUnauthorized: false, ALPNProtocols: ['h2', 'http/1.1'] }, () => {
      ok({ cert: s.getPeerX509Certificate()!, alpn: s.alpnProtocol });
      s.destroy();
    });
    s.once('error', fail);
  });
  const a = await peer('a.test');
  assert.match(a.cert.subject, /CN=a\.test/);
  assert.equal(a.alpn, 'h2');
  assert.match((await peer('b.test')).cert.subject, /Skiff Ingress Controller Fake Certificate/, 'a missing Secret: the default certificate');

  const session = h2connect(`https://127.0.0.1:${httpsPort}`, { servername: 'a.test', rejectUnauthorized: false });
  try {
    const got = await new Promise<{ status: number; body: string }>((ok, fail) => {
      const req = session.request({ ':path': '/api/h2', ':authority': 'a.test' });
      let status = 0;
      let body = '';
      req.on('response', (h) => (status = Number(h[':status'])));
      req.setEncoding('utf8').on('data', (c) => (body += c)).on('end', () => ok({ status, body })).on('error', fail);
      req.end();
    });
    assert.equal(got.status, 200);
    const r = JSON.parse(got.body);
    assert.equal(r.headers['x-forwarded-proto'], 'https');
    assert.equal(r.headers.host, 'a.test');
    assert.equal(r.url, '/api/h2');
  } finally {
    session.close();
  }
});

test('events name the missing Service and Secret; status carries the LoadBalancer address; class and Service are published', async () => {
  await waitFor('events', async () => {
    const ev = await cp.kjson<{ items: { reason: string; message: string; involvedObject: { name: string } }[] }>(['get', 'events', '--field-selector', 'involvedObject.kind=Ingress']);
    const reasons = ev.items.map((e) => `${e.reason}: ${e.message}`);
    return reasons.some((r) => r.startsWith('ServiceNotFound') && r.includes('service "default/missing" not found')) &&
      reasons.some((r) => r.startsWith('SecretNotFound') && r.includes('secret "default/nowhere" not found'));
  }, 30_000, 200);
  const svc = await cp.kjson(['get', 'svc', '-n', 'kube-system', 'skiff-ingress']);
  assert.equal(svc.spec.type, 'LoadBalancer');
  assert.deepEqual(svc.spec.ports.map((p: { name: string; port: number; targetPort: number }) => [p.name, p.port, p.targetPort]), [['http', 80, httpPort], ['https', 443, httpsPort]]);
  const lbIP = svc.status?.loadBalancer?.ingress?.[0]?.ip;
  assert.equal(lbIP, '10.254.77.10', 'the pool\'s first address');
  const ing = await waitFor('the status address', async () => {
    const o = await cp.kjson(['get', 'ingress', 'a']);
    return o.status?.loadBalancer?.ingress?.[0]?.ip === lbIP ? o : undefined;
  }, 15_000, 200);
  assert.equal(ing.spec.ingressClassName, 'skiff', 'the default IngressClass, set at create (DefaultIngressClass admission)');
  const slices = await cp.kjson(['get', 'endpointslices', '-n', 'kube-system', '-l', 'kubernetes.io/service-name=skiff-ingress']);
  assert.deepEqual(slices.items.map((s: { endpoints: { addresses: string[] }[] }) => s.endpoints[0].addresses[0]), ['127.0.0.1']);
  const cls = await cp.kjson(['get', 'ingressclass', 'skiff']);
  assert.equal(cls.metadata.annotations['ingressclass.kubernetes.io/is-default-class'], 'true');
  const table = await cp.kubectl(['get', 'ingress', 'a']);
  assert.match(table.stdout, new RegExp(`a\\s+\\S+\\s+a\\.test\\s+${lbIP.replaceAll('.', '\\.')}\\s+80, 443`));
});

test('the server stops at once with an HTTP/2 session and a keep-alive connection open on the Ingress (last: it stops the server)', async () => {
  const session = h2connect(`https://127.0.0.1:${httpsPort}`, { servername: 'a.test', rejectUnauthorized: false });
  session.on('error', () => {}); // the server going away resets it: expected here
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    await new Promise<void>((ok, fail) => {
      const req = session.request({ ':path': '/', ':authority': 'a.test' });
      req.on('error', fail).resume().on('end', () => ok());
      req.end();
    });
    assert.equal((await get('/', 'a.test', agent)).status, 200);
    const t0 = Date.now();
    await cp.server.stop();
    const took = Date.now() - t0;
    assert.equal(cp.server.child.signalCode, null, `the server exited by itself in ${took} ms, not by the SIGKILL 5 s after SIGTERM`);
    assert.equal(cp.server.child.exitCode, 0);
  } finally {
    agent.destroy();
    session.destroy();
  }
});
