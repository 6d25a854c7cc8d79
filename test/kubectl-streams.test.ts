// kubectl's streams end to end (issue 12): the real kubectl 1.32 → a real `skiff server` (pods/log, exec,
// attach, portforward proxied) → the kubelet's HTTPS server (startKubeletServer) → the engine's
// RuntimeService with real containers. The test plays the kubelet's pod worker itself (sandbox and
// containers made through the RuntimeService, labelled as the kubelet labels them), so it checks the
// streams alone. Needs root, crun/conmon and the busybox base image tar.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createEngine, createRuntimeService } from '../src/engine/index.ts';
import type { Cri, Engine } from '../src/engine/index.ts';
import { sweepNetwork, testNetworkOptions } from '../src/engine/network/testing.ts';
import { startKubeletServer, POD_NAME_LABEL, POD_NAMESPACE_LABEL, type KubeletServer } from '../src/cluster/kubelet/server/index.ts';
import { connect as tlsConnect } from 'node:tls';
import { randomBytes } from 'node:crypto';
import { frameWebSocket } from '../src/lib/websocket/index.ts';
import { BUSYBOX_TAR, run, runPtyDialog, uniqueName, waitFor } from './harness.ts';
import { startControlPlane, KUBECTL, type ControlPlane } from './cluster-harness.ts';

let dir = '';
let engine: Engine;
let rt: Cri.RuntimeService;
let cp: ControlPlane;
let kubelet: KubeletServer;
const net = testNetworkOptions();
const pod = testNetworkOptions();
const podCIDR = pod.bip.replace(/\.1\/24$/, '.0/24');
const node = uniqueName('streams-node');

/** What the kubelet's pod worker does for a pod: a sandbox, then each container (attempts in order) */
async function runPod(name: string, containers: Array<{ name: string; command: string[]; stdin?: boolean; tty?: boolean; attempt?: number }>, sandboxId?: string): Promise<{ sandboxId: string; ids: string[] }> {
  const sandbox: Cri.PodSandboxConfig = {
    metadata: { name, uid: `uid-${name}`, namespace: 'default', attempt: 0 },
    hostname: name, logDirectory: join(dir, 'pods', `default_${name}_uid-${name}`), portMappings: [],
    labels: { [POD_NAMESPACE_LABEL]: 'default', [POD_NAME_LABEL]: name }, annotations: {}, linux: { sysctls: {} },
  };
  const sb = sandboxId ?? (await rt.runPodSandbox(sandbox));
  const ids: string[] = [];
  for (const c of containers) {
    const attempt = c.attempt ?? 0;
    const id = await rt.createContainer(sb, {
      metadata: { name: c.name, attempt }, image: { image: 'busybox' }, command: c.command, args: [], envs: [], mounts: [],
      labels: { [POD_NAMESPACE_LABEL]: 'default', [POD_NAME_LABEL]: name, 'io.kubernetes.container.name': c.name }, annotations: {},
      logPath: `${c.name}/${attempt}.log`, stdin: c.stdin ?? false, stdinOnce: false, tty: c.tty ?? false, linux: {},
    }, sandbox);
    await rt.startContainer(id);
    ids.push(id);
  }
  return { sandboxId: sb, ids };
}

const podYaml = (name: string, containers: Array<string | { name: string; stdin?: boolean; tty?: boolean }>, annotations: Record<string, string> = {}, nodeName: string | null = node) => JSON.stringify({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, annotations },
  spec: { ...(nodeName ? { nodeName } : { nodeSelector: { 'skiff.test/nowhere': 'true' } }), containers: containers.map((c) => ({ image: 'busybox', ...(typeof c === 'string' ? { name: c } : c) })) },
});

const kubectl = (args: string[], o: { input?: string; timeoutMs?: number; env?: Record<string, string> } = {}) =>
  run(KUBECTL, ['--kubeconfig', cp.kubeconfig, ...args], { input: o.input, timeoutMs: o.timeoutMs ?? 60_000, env: { ...process.env as Record<string, string>, ...o.env } });

async function kubectlOk(args: string[], o: { input?: string; env?: Record<string, string> } = {}): Promise<string> {
  const r = await kubectl(args, o);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A long-running kubectl whose output is watched (logs -f, port-forward, attach); killed by PID at the end */
function startKubectl(args: string[], env: Record<string, string> = {}) {
  const child = spawn(KUBECTL, ['--kubeconfig', cp.kubeconfig, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (err += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    output: () => out,
    errors: () => err,
    waitFor: (what: string, re: RegExp, ms = 30_000) => waitFor(what, () => re.exec(out) ?? (child.exitCode !== null ? (() => { throw new Error(`kubectl exited ${child.exitCode}: ${err}`); })() : undefined), ms, 50),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

let web: { sandboxId: string; ids: string[] };

before(async () => {
  assert.ok(existsSync(BUSYBOX_TAR), `missing ${BUSYBOX_TAR}`);
  dir = await mkdtemp('/var/tmp/skiff-streams-test-');
  engine = await createEngine({ root: join(dir, 'root'), runRoot: join(dir, 'run'), ...net });
  await engine.images.importRootfs(createReadStream(BUSYBOX_TAR), { ref: 'busybox:latest', changes: ['CMD ["sh"]', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] });
  ({ runtime: rt } = createRuntimeService(engine, { podCIDR, bridge: `kp${pod.bridge.slice(2)}`, networkName: `pods-${pod.bridge}` }));
  cp = await startControlPlane({ grace: '10m' });
  kubelet = await startKubeletServer({ runtime: rt, port: 0, address: '127.0.0.1', clientCa: readFileSync(join(cp.root, 'tls', 'ca.crt'), 'utf8') });
  await kubectlOk(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: node } }) });
  await kubectlOk(['patch', 'node', node, '--subresource=status', '--type=merge', '-p', JSON.stringify({
    status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: node }], daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } } },
  })]);
  // web: httpd and a line-reader on stdin (attach); httpd is the default container by annotation
  await kubectlOk(['create', '-f', '-'], { input: podYaml('web', ['httpd', 'reader'], { 'kubectl.kubernetes.io/default-container': 'httpd' }) });
  web = await runPod('web', [
    { name: 'httpd', command: ['sh', '-c', 'mkdir -p /www && echo hello-pod > /www/index.html && exec httpd -f -p 8080 -h /www'] },
    { name: 'reader', command: ['sh', '-c', 'while read l; do echo got-$l; done'], stdin: true },
  ]);
  await kubectlOk(['patch', 'pod', 'web', '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Running"}}']);
});

after(async () => {
  await kubelet?.close();
  await cp?.cleanup();
  for (const p of await rt?.listPodSandbox().catch(() => []) ?? []) await rt.removePodSandbox(p.id).catch((e: unknown) => console.error('remove sandbox', e));
  await engine?.close().catch((e: unknown) => console.error('engine close', e));
  // what a failed test may leave: processes by pid, runtime state, mounts, cgroups, the networks
  const cdir = join(dir, 'root', 'containers');
  for (const id of await readdir(cdir).catch(() => [] as string[])) {
    for (const f of ['pidfile', 'conmon.pid']) {
      const pid = Number(await readFile(`${cdir}/${id}/userdata/${f}`, 'utf8').catch(() => '0'));
      if (pid > 0) try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
  }
  for (const r of ['crun', 'runc']) {
    const base = join(dir, 'run', r);
    for (const id of await readdir(base).catch(() => [] as string[])) {
      if (!id.startsWith('.')) try { execFileSync(r, ['--root', base, 'delete', '--force', id], { stdio: 'ignore' }); } catch { /* not there */ }
    }
  }
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m?.startsWith(dir));
  for (const m of mounts.reverse()) try { execFileSync('umount', ['-l', m]); } catch { /* gone with its parent */ }
  await sweepNetwork(join(dir, 'root'), net.bridge);
  await rm(dir, { recursive: true, force: true });
});

test('kubectl exec: output, exit codes, piped stdin (-i), and the default container by annotation', async () => {
  const r = await kubectl(['-v=6', 'exec', 'web', '--', 'sh', '-c', 'echo hi; echo to-err >&2']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /GET https:\/\/\S+\/pods\/web\/exec\S* 101 Switching Protocols/, 'the WebSocket upgrade (a GET) was the one used');
  assert.equal(r.stdout, 'hi\n');
  assert.match(r.stderr, /to-err/);
  const failing = await kubectl(['exec', 'web', '-c', 'reader', '--', 'sh', '-c', 'exit 3']);
  assert.equal(failing.code, 3);
  assert.match(failing.stderr, /command terminated with exit code 3/);
  assert.equal(await kubectlOk(['exec', '-i', 'web', '-c', 'httpd', '--', 'sh', '-c', 'tr a-z A-Z; echo done'], { input: 'piped input\nsecond line\n' }), 'PIPED INPUT\nSECOND LINE\ndone\n');
  // the two containers share the pod's network namespace: reader reaches httpd on localhost
  assert.equal(await kubectlOk(['exec', 'web', '-c', 'reader', '--', 'wget', '-q', '-O', '-', 'http://127.0.0.1:8080/']), 'hello-pod\n');
});

test('kubectl exec over SPDY/3.1 (KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false): output, exit code, stdin', async () => {
  const env = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' };
  const r = await kubectl(['-v=6', 'exec', 'web', '--', 'sh', '-c', 'echo over-spdy; echo err >&2; exit 5'], { env });
  assert.match(r.stderr, /POST https:\/\/\S+\/pods\/web\/exec\S* 101 Switching Protocols/, 'the SPDY upgrade (a POST) was the one used');
  assert.equal(r.stdout, 'over-spdy\n');
  assert.match(r.stderr, /err\n/);
  assert.equal(r.code, 5, r.stderr);
  assert.equal(await kubectlOk(['exec', '-i', 'web', '--', 'sh', '-c', 'tr a-z A-Z'], { input: 'spdy stdin\n', env }), 'SPDY STDIN\n');
});

test('kubectl exec -it sh: a terminal through the pty', async () => {
  const r = await runPtyDialog([KUBECTL, '--kubeconfig', cp.kubeconfig, 'exec', '-it', 'web', '-c', 'httpd', '--', 'sh'], [
    { expect: '# ', input: 'stty size; echo $((6*7))x\r' },
    { expect: '42x', input: 'exit 4\r' },
  ], { timeoutMs: 30_000 });
  assert.match(r.stdout, /24 80/, `the terminal size reached the shell: ${r.stdout}`);
  assert.match(r.stdout, /42x/);
  assert.equal(r.code, 4, r.stdout);
});

test('kubectl exec under RBAC: get on pods/exec is not enough (a WebSocket exec is also a create, as kube 1.32); with create it runs', async () => {
  const user = uniqueName('exec-user');
  await kubectlOk(['create', 'role', user, '--verb=get', '--resource=pods,pods/exec']);
  await kubectlOk(['create', 'rolebinding', user, `--role=${user}`, `--user=${user}`]);
  const refused = await waitFor('the binding in the authorizer', async () => {
    const r = await kubectl(['exec', `--as=${user}`, 'web', '--', 'echo', 'in']);
    return /cannot create resource "pods\/exec"/.test(r.stderr) ? r : undefined;
  }, 10_000, 100);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, new RegExp(`pods "web" is forbidden: User "${user}" cannot create resource "pods/exec" in API group "" in the namespace "default"`));
  await kubectlOk(['create', 'role', `${user}-create`, '--verb=create', '--resource=pods/exec']);
  await kubectlOk(['create', 'rolebinding', `${user}-create`, `--role=${user}-create`, `--user=${user}`]);
  await waitFor('exec allowed', async () => (await kubectl(['exec', `--as=${user}`, 'web', '--', 'echo', 'in'])).stdout === 'in\n', 10_000, 100);
});

test('kubectl exec and attach errors come back as the API server words them', async () => {
  const bad = await kubectl(['exec', 'web', '-c', 'nope', '--', 'true']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /container nope is not valid for pod web/);
  await kubectlOk(['create', '-f', '-'], { input: podYaml('unbound', ['main'], {}, null) });
  const unbound = await kubectl(['exec', 'unbound', '--', 'true']);
  assert.match(unbound.stderr, /pod unbound does not have a host assigned/);
  const logs = await kubectl(['logs', 'unbound']);
  assert.equal(logs.code, 0, 'an unscheduled pod has an empty log');
  assert.equal(logs.stdout, '');
});

test('kubectl cp both ways (tar through exec)', async () => {
  const src = join(dir, 'upload.txt');
  const content = `payload ${'x'.repeat(100_000)} end\n`;
  await writeFile(src, content);
  await kubectlOk(['cp', src, 'web:/tmp/upload.txt', '-c', 'httpd']);
  assert.equal((await kubectlOk(['exec', 'web', '--', 'wc', '-c', '/tmp/upload.txt'])).trim().split(/\s+/)[0], String(content.length));
  const back = join(dir, 'back.txt');
  await kubectlOk(['cp', 'web:/tmp/upload.txt', back, '-c', 'httpd']);
  assert.equal(await readFile(back, 'utf8'), content);
});

test('kubectl attach -i: stdin to the container, its output back', async () => {
  const a = startKubectl(['attach', '-i', 'web', '-c', 'reader']);
  try {
    await sleep(1500);
    a.child.stdin.write('ping\n');
    await a.waitFor('the reader to answer', /got-ping/);
    a.child.stdin.write('pong\n');
    await a.waitFor('the reader to answer again', /got-pong/);
  } finally {
    await a.stop();
  }
});

for (const websockets of ['true', 'false']) {
  test(`kubectl port-forward (${websockets === 'true' ? 'SPDY tunnelled in a WebSocket' : 'plain SPDY upgrade'}), then HTTP through it`, async () => {
    const pf = startKubectl(['port-forward', 'pod/web', ':8080'], { KUBECTL_PORT_FORWARD_WEBSOCKETS: websockets });
    try {
      const m = await pf.waitFor('port-forward to listen', /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/);
      const port = Number(m[1]);
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: 'close' } });
        assert.equal(await res.text(), 'hello-pod\n');
      }
      const curl = await run('curl', ['-sS', `http://127.0.0.1:${port}/index.html`], { timeoutMs: 20_000 });
      assert.equal(curl.stdout, 'hello-pod\n', curl.stderr);
      assert.doesNotMatch(pf.errors(), /error/i);
    } finally {
      await pf.stop();
    }
  });
}

test('kubectl logs: all, --tail, -f while it writes, --previous, --timestamps, --limit-bytes', async () => {
  await kubectlOk(['create', '-f', '-'], { input: podYaml('logger', ['main']) });
  // the first attempt ran and failed; the second one writes three lines, waits, writes one more
  const first = await runPod('logger', [{ name: 'main', command: ['sh', '-c', 'echo first-run; exit 1'] }]);
  await waitFor('the first attempt to exit', async () => (await rt.containerStatus(first.ids[0])).state === 'CONTAINER_EXITED', 20_000);
  await runPod('logger', [{ name: 'main', attempt: 1, command: ['sh', '-c', 'echo a; sleep 0.2; echo b >&2; sleep 0.2; echo c; sleep 4; echo d; sleep 600'] }], first.sandboxId);
  await waitFor('three lines', async () => (await kubectl(['logs', 'logger'])).stdout === 'a\nb\nc\n', 20_000, 200);
  const follow = startKubectl(['logs', '-f', 'logger']);
  try {
    await follow.waitFor('the first lines', /a\nb\nc\n/);
    assert.doesNotMatch(follow.output(), /d/);
    await follow.waitFor('a line written while following', /c\nd\n/, 20_000);
  } finally {
    await follow.stop();
  }
  assert.equal(await kubectlOk(['logs', 'logger', '--tail=2']), 'c\nd\n');
  assert.equal(await kubectlOk(['logs', 'logger', '--previous']), 'first-run\n');
  assert.match(await kubectlOk(['logs', 'logger', '--timestamps', '--tail=1']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d) d\n$/);
  assert.equal(await kubectlOk(['logs', 'logger', '--limit-bytes=3']), 'a\nb');
  const none = await kubectl(['logs', 'web', '-c', 'httpd', '--previous']);
  assert.notEqual(none.code, 0);
  assert.match(none.stderr, /previous terminated container "httpd" in pod "web" not found/);
});

test('nodes/proxy reaches the kubelet; an unauthenticated caller does not', async () => {
  assert.match(await kubectlOk(['get', '--raw', `/api/v1/nodes/${node}/proxy/containerLogs/default/web/reader`]), /got-ping\ngot-pong\n/);
  const res = await run('curl', ['-sk', `https://127.0.0.1:${kubelet.port}/containerLogs/default/web/httpd`], { timeoutMs: 10_000 });
  assert.equal(res.stdout, 'Unauthorized');
});

/** exec through the API server as a bare WebSocket client speaking `protocol`; returns what each channel carried */
async function rawExec(protocol: string, cmd: string[], stdin: Buffer): Promise<{ protocol: string; channels: Record<number, string>; closeCode: number }> {
  const token = /token: (\S+)/.exec(readFileSync(cp.kubeconfig, 'utf8'))![1];
  const q = new URLSearchParams([...cmd.map((c) => ['command', c]), ['stdin', 'true'], ['stdout', 'true'], ['stderr', 'true'], ['container', 'httpd']]);
  const sock = tlsConnect({ host: '127.0.0.1', port: cp.port, rejectUnauthorized: false });
  await new Promise((r) => sock.once('secureConnect', r));
  sock.write([`GET /api/v1/namespaces/default/pods/web/exec?${q} HTTP/1.1`, `Host: 127.0.0.1:${cp.port}`, `Authorization: Bearer ${token}`, 'Connection: Upgrade', 'Upgrade: websocket',
    'Sec-WebSocket-Version: 13', `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`, `Sec-WebSocket-Protocol: ${protocol}`, '', ''].join('\r\n'));
  let buf = Buffer.alloc(0);
  while (buf.indexOf('\r\n\r\n') < 0) buf = Buffer.concat([buf, await new Promise<Buffer>((r) => sock.once('data', r))]);
  const end = buf.indexOf('\r\n\r\n');
  const head = buf.subarray(0, end).toString();
  assert.match(head, /^HTTP\/1\.1 101/, head);
  const base64 = protocol.includes('base64');
  const channels: Record<number, string> = {};
  const closed = new Promise<number>((resolve) => {
    const ws = frameWebSocket(sock, buf.subarray(end + 4), protocol, {
      message(data, isBinary) {
        assert.equal(isBinary, !base64, 'base64 protocols send text, the others binary');
        const id = base64 ? data[0] - 0x30 : data[0];
        const payload = base64 ? Buffer.from(data.subarray(1).toString(), 'base64') : data.subarray(1);
        channels[id] = (channels[id] ?? '') + payload.toString();
      },
      close: (code) => resolve(code),
    }, { client: true });
    ws.send(base64 ? Buffer.from(`0${stdin.toString('base64')}`) : Buffer.concat([Buffer.from([0]), stdin]), !base64);
    if (protocol.startsWith('v5')) ws.send(Buffer.from([255, 0]));
  });
  return { protocol: /Sec-WebSocket-Protocol: (\S+)/i.exec(head)?.[1] ?? '', channels, closeCode: await closed };
}

test('the channel protocols without kubectl: v5 (stdin closed by 255 0), v4, and the base64 ones', async () => {
  const v5 = await rawExec('v5.channel.k8s.io', ['sh', '-c', 'cat; echo eof >&2; exit 2'], Buffer.from('abc'));
  assert.equal(v5.protocol, 'v5.channel.k8s.io');
  assert.equal(v5.channels[1], 'abc');
  assert.equal(v5.channels[2], 'eof\n');
  const status = JSON.parse(v5.channels[3]);
  assert.equal(status.status, 'Failure');
  assert.equal(status.reason, 'NonZeroExitCode');
  assert.deepEqual(status.details.causes, [{ reason: 'ExitCode', message: '2' }]);
  assert.equal(v5.closeCode, 1000);
  for (const protocol of ['v4.channel.k8s.io', 'v4.base64.channel.k8s.io', 'base64.channel.k8s.io']) {
    const r = await rawExec(protocol, ['head', '-n1'], Buffer.from('first\nsecond\n'));
    assert.equal(r.protocol, protocol);
    assert.equal(r.channels[1], 'first\n', protocol);
    assert.deepEqual(JSON.parse(r.channels[3]), { metadata: {}, status: 'Success' }, protocol);
  }
});

test('port-forward to a port nothing listens on: the error comes back on the error stream', async () => {
  const pf = startKubectl(['port-forward', 'pod/web', ':9']);
  try {
    const m = await pf.waitFor('port-forward to listen', /Forwarding from 127\.0\.0\.1:(\d+) -> 9/);
    await run('curl', ['-sS', '--max-time', '10', `http://127.0.0.1:${m[1]}/`], { timeoutMs: 20_000 });
    await waitFor('kubectl to report the error', () => /error forwarding port 9 to pod/.test(pf.errors()), 15_000);
  } finally {
    await pf.stop();
  }
});

test('kubectl attach -it: a terminal on the container\'s own shell (TTY), until it exits', async () => {
  await kubectlOk(['create', '-f', '-'], { input: podYaml('term', [{ name: 'sh', stdin: true, tty: true }]) });
  const { ids } = await runPod('term', [{ name: 'sh', command: ['sh'], stdin: true, tty: true }]);
  await kubectlOk(['patch', 'pod', 'term', '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Running"}}']);
  const r = await runPtyDialog([KUBECTL, '--kubeconfig', cp.kubeconfig, 'attach', '-it', 'term'], [
    { expect: 'press enter', input: '\r' },
    // kubectl sends the size + 1, then the size (a redraw): let both land
    { expect: '# ', input: 'sleep 1; stty size; echo $((7*6))y\r' },
    { expect: '42y', input: 'exit 6\r' },
  ], { timeoutMs: 30_000 });
  assert.match(r.stdout, /24 80/, r.stdout);
  assert.match(r.stdout, /42y/, r.stdout);
  await waitFor('the shell to exit', async () => (await rt.containerStatus(ids[0])).state === 'CONTAINER_EXITED', 15_000);
});

test('kubectl logs -f goes on across a log rotation (rename, then the runtime reopens the file)', async () => {
  await kubectlOk(['create', '-f', '-'], { input: podYaml('ticker', ['main']) });
  const { ids } = await runPod('ticker', [{ name: 'main', command: ['sh', '-c', 'i=0; while true; do echo n$i; i=$((i+1)); sleep 0.2; done'] }]);
  const follow = startKubectl(['logs', '-f', 'ticker']);
  try {
    await follow.waitFor('a few lines', /n3\n/);
    const logPath = (await rt.containerStatus(ids[0])).logPath;
    await rename(logPath, `${logPath}.20261205-000000`);
    await rt.reopenContainerLog(ids[0]);
    await follow.waitFor('lines written to the new file', /n20\n/, 20_000);
    const numbers = follow.output().trim().split('\n').map((l) => Number(l.slice(1)));
    assert.deepEqual(numbers, numbers.map((_, i) => numbers[0] + i), 'every line once, in order, none lost at the rotation');
    assert.ok(readFileSync(logPath, 'utf8').length > 0, 'the runtime writes the fresh file');
  } finally {
    await follow.stop();
  }
});
