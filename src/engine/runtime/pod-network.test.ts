// The pod network's masquerade: traffic to the cluster CIDR (other nodes' pods) keeps the pod's address,
// traffic elsewhere leaves as the node's. A "peer" network namespace behind a veth plays both: it answers
// on an address inside the cluster CIDR and on one outside, and tells what source address it saw.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { runProgram } from '../../lib/spawn.ts';
import { testNetworkOptions } from '../network/testing.ts';
import { startTestRuntime, until, type TestRuntime } from './testing.ts';

const inside = testNetworkOptions().bip.replace(/\.1\/24$/, '');
const outside = testNetworkOptions().bip.replace(/\.1\/24$/, '');
const tag = randomBytes(3).toString('hex');
const ns = `skpeer-${tag}`;
const [hostEnd, peerEnd] = [`vpa${tag}`, `vpb${tag}`];
let t: TestRuntime;
let server: ChildProcess | null = null;

const ip = async (...args: string[]) => {
  const r = await runProgram('/usr/sbin/ip', args);
  assert.equal(r.code, 0, `ip ${args.join(' ')}: ${r.stderr}`);
};

const answerer = `
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        b = self.client_address[0].encode()
        self.send_response(200); self.send_header('Content-Length', str(len(b))); self.end_headers(); self.wfile.write(b)
    def log_message(self, *a): pass
http.server.HTTPServer(('0.0.0.0', 8099), H).serve_forever()
`;

before(async () => {
  t = await startTestRuntime({ clusterCIDR: `${inside}.0/24` });
  await ip('netns', 'add', ns);
  await ip('link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', peerEnd);
  await ip('link', 'set', peerEnd, 'netns', ns);
  await ip('addr', 'add', `${inside}.1/24`, 'dev', hostEnd);
  await ip('addr', 'add', `${outside}.1/24`, 'dev', hostEnd);
  await ip('link', 'set', hostEnd, 'up');
  await ip('-n', ns, 'addr', 'add', `${inside}.2/24`, 'dev', peerEnd);
  await ip('-n', ns, 'addr', 'add', `${outside}.2/24`, 'dev', peerEnd);
  await ip('-n', ns, 'link', 'set', peerEnd, 'up');
  await ip('-n', ns, 'link', 'set', 'lo', 'up');
  // replies to the pod CIDR go back through the host
  await ip('-n', ns, 'route', 'add', t.podCIDR, 'via', `${inside}.1`);
  server = spawn('/usr/sbin/ip', ['netns', 'exec', ns, '/usr/bin/python3', '-c', answerer], { stdio: 'ignore' });
});

after(async () => {
  if (server?.pid) try { process.kill(server.pid, 'SIGKILL'); } catch { /* gone */ }
  await runProgram('/usr/sbin/ip', ['link', 'del', hostEnd]);
  await runProgram('/usr/sbin/ip', ['netns', 'del', ns]);
  await t?.cleanup();
});

test('pod traffic to the cluster CIDR keeps the pod IP; elsewhere it is masqueraded', async () => {
  const cfg = t.sandboxConfig('nat');
  const sb = await t.rt.runPodSandbox(cfg);
  const podIp = (await t.rt.podSandboxStatus(sb)).network.ip;
  const c = await t.rt.createContainer(sb, t.containerConfig('c', ['sleep', '600']), cfg);
  await t.rt.startContainer(c);
  const seenBy = (addr: string) => until(async () => {
    const r = await t.rt.execSync(c, ['wget', '-q', '-O', '-', `http://${addr}:8099/`], 3).catch(() => null);
    if (!r) return false; // not answering yet: the deadline killed it
    return r.exitCode === 0 && r.stdout.toString();
  }, 6000);
  assert.equal(await seenBy(`${inside}.2`), podIp);
  assert.equal(await seenBy(`${outside}.2`), `${outside}.1`);
  await t.rt.removePodSandbox(sb);
});
