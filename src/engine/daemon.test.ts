import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runDaemon, socketPathOf } from './daemon.ts';
import { sweepNetwork, testNetworkOptions } from './network/testing.ts';

function ping(socketPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ socketPath, path: '/_ping' }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    })
      .on('error', reject)
      .end();
  });
}

async function waitForSocket(path: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (existsSync(path) && existsSync(`${path}.pid`)) return;
    await sleep(25);
  }
  throw new Error(`no socket at ${path}`);
}

test('only unix:// hosts are accepted', () => {
  assert.equal(socketPathOf('unix:///run/x.sock'), '/run/x.sock');
  assert.throws(() => socketPathOf('tcp://0.0.0.0:2375'), /unsupported host "tcp:\/\/0.0.0.0:2375": skiff serves the Docker API on a unix socket only/);
});

test('the daemon serves 0660 with a pid file, refuses a second daemon, and cleans up on stop', async () => {
  const dir = mkdtempSync('/var/tmp/skiff-daemon-t-');
  const socket = join(dir, 'docker.sock');
  const root = join(dir, 'root');
  const ac = new AbortController();
  const net = testNetworkOptions(); // its bridge is removed at the end
  try {
    const running = runDaemon({ root, host: `unix://${socket}`, signal: ac.signal, ...net });
    await waitForSocket(socket);
    assert.equal(await ping(socket), 200);
    assert.equal(statSync(socket).mode & 0o777, 0o660);
    assert.equal(readFileSync(`${socket}.pid`, 'utf8').trim(), String(process.pid));

    await assert.rejects(runDaemon({ root: join(dir, 'other'), host: `unix://${socket}`, ...testNetworkOptions() }), /another daemon is already serving .* \(pid \d+\)/);

    ac.abort();
    await running;
    assert.equal(existsSync(socket), false);
    assert.equal(existsSync(`${socket}.pid`), false);
  } finally {
    ac.abort();
    await sweepNetwork(root, net.bridge);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a leftover socket file with no daemon behind it is removed at start', async () => {
  const dir = mkdtempSync('/var/tmp/skiff-daemon-t-');
  const socket = join(dir, 'docker.sock');
  // a socket whose server died without unlinking it (SIGKILL): bind with a server we never close cleanly
  const r = spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(socket)}, () => process.kill(process.pid, 'SIGKILL'))`]);
  assert.equal(r.signal, 'SIGKILL');
  assert.ok(statSync(socket).isSocket());
  const ac = new AbortController();
  const net = testNetworkOptions(); // its bridge is removed at the end
  try {
    const running = runDaemon({ root: join(dir, 'root'), host: `unix://${socket}`, signal: ac.signal, ...net });
    await waitForSocket(socket);
    assert.equal(await ping(socket), 200);
    ac.abort();
    await running;
  } finally {
    ac.abort();
    await sweepNetwork(join(dir, 'root'), net.bridge);
    rmSync(dir, { recursive: true, force: true });
  }
});
