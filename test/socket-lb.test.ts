// Published ports reached from this host take the socket-level path (cgroup BPF connect4/sendmsg4: the
// socket talks to the container's address from connect() on, nothing is NATed); SKIFF_NO_BPF=1 and a daemon killed -9
// leave the nft DNAT path. Which path a connection took shows in its local address: DNAT keeps the one the
// host picked for the published address (127.0.0.1), the rewrite gets the bridge's (the route to the
// container), while getpeername shows the published address either way.
import { test, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { networkInterfaces } from 'node:os';
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { ok, startDaemon, uniqueName, waitFor, type Daemon } from './harness.ts';

const daemons: Daemon[] = [];
after(async () => { for (const d of daemons) await d.cleanup(); });
afterEach((t) => { for (const d of daemons) d.reportFailure(t); });

async function daemon(env?: Record<string, string>): Promise<Daemon> {
  const d = await startDaemon({ env });
  daemons.push(d);
  return d;
}

const bindable = (port: number) => new Promise<boolean>((done) => {
  const s = createServer();
  s.once('error', () => done(false));
  s.listen(port, '0.0.0.0', () => s.close(() => done(true)));
});

async function freePort(): Promise<number> {
  for (;;) {
    const port = 30000 + Math.floor(Math.random() * 2000);
    if (await bindable(port)) return port;
  }
}

interface Reached {
  body: string;
  local: string;
  peer: string;
}

/** GET /hostname over one TCP connection: the answer, and the socket's local and peer addresses. */
function reach(host: string, port: number): Promise<Reached> {
  return new Promise((done, fail) => {
    const s = connect({ host, port, timeout: 5000 });
    let data = '';
    let local = '';
    let peer = '';
    s.on('connect', () => {
      local = s.localAddress ?? '';
      peer = `${s.remoteAddress}:${s.remotePort}`;
      s.write(`GET /hostname HTTP/1.0\r\nHost: ${host}\r\n\r\n`);
    });
    s.setEncoding('utf8');
    s.on('data', (c: string) => (data += c));
    s.on('end', () => done({ body: data.split('\r\n\r\n')[1] ?? '', local, peer }));
    s.on('timeout', () => s.destroy(Object.assign(new Error(`${host}:${port}: timed out`), { code: 'ETIMEDOUT' })));
    s.on('error', fail);
  });
}

const gateway = (d: Daemon) => d.bip.split('/')[0];

/** An address of this host other than loopback (where 0.0.0.0-published ports answer too). */
function hostAddress(): string {
  const all = Object.values(networkInterfaces()).flat().filter((a) => a && a.family === 'IPv4' && !a.internal);
  return (all.find((a) => !a!.address.startsWith('10.')) ?? all[0])!.address;
}

async function web(d: Daemon, publish: string): Promise<{ name: string; short: string }> {
  const name = uniqueName('lb');
  ok(await d.docker(['run', '-d', '--name', name, '-p', publish, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']));
  const id = (await d.docker(['inspect', '-f', '{{.Id}}', name])).stdout.trim();
  return { name, short: id.slice(0, 12) };
}

// a UDP echo server for busybox (whose nc has no -u): this test's own node, run by the host's loader
const NODE = process.execPath;
const LIBS = '/host/usr/lib/x86_64-linux-gnu';
const UDP_ECHO = "const s=require('dgram').createSocket('udp4');s.on('message',(m,r)=>s.send(require('os').hostname()+' '+r.address,r.port,r.address));s.bind(5353)";

async function udpEcho(d: Daemon, publish: string): Promise<{ name: string; short: string }> {
  const name = uniqueName('lbu');
  ok(await d.docker(['run', '-d', '--name', name, '-p', publish, '-v', '/usr:/host/usr:ro', '-v', `${dirname(NODE)}:/nodebin:ro`, 'busybox',
    `${LIBS}/ld-linux-x86-64.so.2`, '--library-path', LIBS, `/nodebin/${basename(NODE)}`, '-e', UDP_ECHO]));
  const id = (await d.docker(['inspect', '-f', '{{.Id}}', name])).stdout.trim();
  return { name, short: id.slice(0, 12) };
}

/** One datagram to host:port (unconnected: sendmsg/recvmsg; connected: connect/getpeername): the answer, who sent it, the peer. */
function udpAsk(host: string, port: number, connected: boolean): Promise<{ body: string; from: string; peer: string }> {
  return new Promise((done, fail) => {
    const s = createSocket('udp4');
    const timer = setTimeout(() => (s.close(), fail(new Error(`udp ${host}:${port}: no answer`))), 1000);
    s.on('message', (m, r) => {
      clearTimeout(timer);
      const peer = connected ? `${s.remoteAddress().address}:${s.remoteAddress().port}` : '';
      s.close();
      done({ body: String(m), from: `${r.address}:${r.port}`, peer });
    });
    s.on('error', (e) => (clearTimeout(timer), s.close(), fail(e)));
    if (connected) s.connect(port, host, () => s.send('ask'));
    else s.send('ask', port, host);
  });
}

const answered = (host: string, port: number) => () => reach(host, port).then((r) => (r.body ? r : undefined), () => undefined);

test('host connections to published ports are rewritten at connect(), per daemon; a stopped container refuses; kill -9 falls back to DNAT', async () => {
  const [a, b] = await Promise.all([daemon(), daemon()]);
  for (const d of [a, b]) assert.match(readFileSync(d.logPath, 'utf8'), /socket-level load balancing on/);
  const [p1, p2, p3] = [await freePort(), await freePort(), await freePort()];
  const w1 = await web(a, `127.0.0.1:${p1}:80`);
  const w2 = await web(a, `${p2}:80`);
  const w3 = await web(b, `127.0.0.1:${p3}:80`);

  // 127.0.0.1, the host's address (0.0.0.0 published), and the other daemon's port: each its own container,
  // from the daemon's own bridge, while getpeername still names the published address
  const host = hostAddress();
  for (const [d, addr, port, w] of [[a, '127.0.0.1', p1, w1], [a, '127.0.0.1', p2, w2], [a, host, p2, w2], [b, '127.0.0.1', p3, w3]] as const) {
    const r = await waitFor(`${addr}:${port}`, answered(addr, port));
    assert.equal(r.body, `${w.short}\n`);
    assert.equal(r.local, gateway(d), `${addr}:${port} went straight to the container (local address ${r.local})`);
    assert.equal(r.peer, `${addr}:${port}`);
  }
  // another container reaches a published port through the host's address (its own netns: DNAT)
  const viaGw = await a.docker(['run', '--rm', 'busybox', 'wget', '-qO-', `http://${gateway(a)}:${p2}/hostname`]);
  ok(viaGw);
  assert.equal(viaGw.stdout, `${w2.short}\n`);

  // a stopped container's port refuses at once: no connect goes to the address it had
  ok(await a.docker(['stop', '-t', '1', w1.name]));
  await assert.rejects(reach('127.0.0.1', p1), { code: 'ECONNREFUSED' });

  // the daemon killed: its link is gone with it, the nft rules answer (the host's own source address)
  await a.stop('SIGKILL');
  const down = await reach('127.0.0.1', p2);
  assert.equal(down.body, `${w2.short}\n`);
  assert.equal(down.local, '127.0.0.1');
  assert.equal((await reach('127.0.0.1', p3)).local, gateway(b), 'the other daemon keeps its own program');
  // back: the rewrite again, for the containers that kept running
  await a.restart();
  const back = await waitFor('the rewrite after the restart', async () => {
    const r = await reach('127.0.0.1', p2).catch(() => undefined);
    return r?.local === gateway(a) ? r : undefined;
  }, 15_000);
  assert.equal(back.body, `${w2.short}\n`);
  ok(await a.docker(['rm', '-f', w1.name, w2.name]));
  await assert.rejects(reach('127.0.0.1', p2), { code: 'ECONNREFUSED' });

  // UDP, unconnected (sendmsg/recvmsg) and connected (connect/getpeername): the container sees the bridge's
  // address (not the host's, as DNAT would keep it), the client sees the published address answer
  const pu = await freePort();
  const u = await udpEcho(a, `${pu}:5353/udp`);
  for (const connected of [false, true]) {
    for (const addr of ['127.0.0.1', host]) {
      const r = await waitFor(`udp ${addr}:${pu}`, () => udpAsk(addr, pu, connected).catch(() => undefined), 20_000);
      assert.equal(r.body, `${u.short} ${gateway(a)}`);
      assert.equal(r.from, `${addr}:${pu}`);
      if (connected) assert.equal(r.peer, `${addr}:${pu}`);
    }
  }
  ok(await a.docker(['rm', '-f', u.name]));
  ok(await b.docker(['rm', '-f', w3.name]));
});

test('SKIFF_NO_BPF=1: published ports keep the DNAT path, reachable from the host and from containers', async () => {
  const d = await daemon({ SKIFF_NO_BPF: '1' });
  assert.match(readFileSync(d.logPath, 'utf8'), /socket-level load balancing off \(SKIFF_NO_BPF=1\)/);
  const port = await freePort();
  const w = await web(d, `${port}:80`);
  const host = hostAddress();
  for (const addr of ['127.0.0.1', host]) {
    const r = await waitFor(`${addr}:${port}`, answered(addr, port));
    assert.equal(r.body, `${w.short}\n`);
    assert.equal(r.local, addr, 'NATed: the host kept its own source address');
    assert.equal(r.peer, `${addr}:${port}`);
  }
  const viaGw = await d.docker(['run', '--rm', 'busybox', 'wget', '-qO-', `http://${gateway(d)}:${port}/hostname`]);
  ok(viaGw);
  assert.equal(viaGw.stdout, `${w.short}\n`);
  // UDP to the host's address: DNAT keeps the host's source address
  const pu = await freePort();
  const u = await udpEcho(d, `${pu}:5353/udp`);
  const r = await waitFor(`udp ${host}:${pu}`, () => udpAsk(host, pu, false).catch(() => undefined), 20_000);
  assert.equal(r.body, `${u.short} ${host}`);
  assert.equal(r.from, `${host}:${pu}`);
  ok(await d.docker(['rm', '-f', w.name, u.name]));
  await assert.rejects(reach('127.0.0.1', port), { code: 'ECONNREFUSED' });
});
