// The skiff CLI's network verbs against a real daemon: a user network where containers find each other by
// name and alias (the embedded DNS resolver), connect/disconnect, a published port reached from the host,
// `port` and the PORTS column of `ps`, and removal that leaves no network behind.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { request } from 'node:http';
import { ok, startDaemon, uniqueName, waitFor, type Daemon } from './harness.ts';

let d: Daemon;
const net = uniqueName('skn');
const db = uniqueName('db');
const web = uniqueName('web');
const other = uniqueName('other');
// a subnet of its own, so daemons of other test runs on this host never overlap with it
const subnet = `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 250)}.0/24`;
const networks: string[] = [];

before(async () => {
  d = await startDaemon();
});
after(async () => {
  if (d?.alive()) {
    for (const c of [db, web, other]) await d.skiff(['rm', '-f', c]);
    for (const n of networks) await d.skiff(['network', 'rm', '-f', n]);
  }
  await d?.cleanup();
});
afterEach((t) => d?.reportFailure(t));

/** A TCP port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer`)));
    req.on('error', reject);
    req.end();
  });
}

/** busybox wget with a deadline (its own -T crashes this busybox build) */
const fetch = (url: string) => ['timeout', '10', 'wget', '-qO-', url];

/** busybox httpd serving `text` at / on port 80 */
const httpd = (text: string) => ['sh', '-c', `mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p 80 -h /www`];

async function ipOn(container: string, network: string): Promise<string> {
  const r = await d.skiff(['inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, container]);
  ok(r);
  return r.stdout.trim();
}

test('network create, ls, inspect', async () => {
  const r = await d.skiff(['network', 'create', '--subnet', subnet, '--label', 'purpose=test', net]);
  ok(r);
  networks.push(net);
  assert.match(r.stdout, /^[0-9a-f]{64}\n$/);
  const id = r.stdout.trim();

  const ls = await d.skiff(['network', 'ls']);
  ok(ls);
  assert.match(ls.stdout, /^NETWORK ID {5}NAME +DRIVER +SCOPE\n/);
  assert.match(ls.stdout, new RegExp(`^${id.slice(0, 12)} +${net} +bridge +local$`, 'm'));
  assert.match(ls.stdout, /^[0-9a-f]{12} +bridge +bridge +local$/m, 'the default bridge network is listed');
  const q = await d.skiff(['network', 'ls', '-q', '--no-trunc', '--filter', `name=${net}`]);
  ok(q);
  assert.equal(q.stdout, `${id}\n`);

  const i = await d.skiff(['network', 'inspect', '-f', '{{.Name}} {{.Driver}} {{(index .IPAM.Config 0).Subnet}} {{.Labels.purpose}}', net]);
  ok(i);
  assert.equal(i.stdout, `${net} bridge ${subnet} test\n`);
  const missing = await d.skiff(['network', 'inspect', uniqueName('nope')]);
  assert.equal(missing.code, 1);
  assert.equal(missing.stdout, '[]\n');
});

test('containers on a user network find each other by name and alias', async () => {
  ok(await d.skiff(['run', '-d', '--name', db, '--network', net, '--network-alias', 'database', 'busybox', ...httpd('hello-db')]));
  const dbIp = await ipOn(db, net);
  assert.ok(dbIp.startsWith(subnet.split('.').slice(0, 3).join('.') + '.'), `db's address ${dbIp} is in ${subnet}`);

  const look = await d.skiff(['run', '--rm', '--network', net, 'busybox', 'nslookup', db]);
  ok(look);
  assert.match(look.stdout, new RegExp(`Address:\\s+${dbIp.replaceAll('.', '\\.')}`));
  for (const name of [db, 'database']) {
    const r = await waitFor(`wget http://${name}/`, async () => {
      const g = await d.skiff(['run', '--rm', '--network', net, 'busybox', ...fetch(`http://${name}/`)]);
      return g.code === 0 && g.stdout;
    }, 30_000, 500);
    assert.equal(r, 'hello-db\n');
  }
});

test('network connect and disconnect', async () => {
  ok(await d.skiff(['run', '-d', '--name', other, 'busybox', 'sleep', '300']));
  ok(await d.skiff(['network', 'connect', '--alias', 'other-alias', net, other]));
  const nets = await d.skiff(['inspect', '-f', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}', other]);
  ok(nets);
  assert.ok(nets.stdout.split(' ').includes(net), `connected: ${nets.stdout}`);
  // on the network now: it reaches db at its address there
  try {
    const got = await d.skiff(['exec', other, ...fetch(`http://${await ipOn(db, net)}/`)]);
    ok(got);
    assert.equal(got.stdout, 'hello-db\n');
  } finally {
    ok(await d.skiff(['network', 'disconnect', net, other]));
  }
  const after = await d.skiff(['inspect', '-f', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}', other]);
  ok(after);
  assert.ok(!after.stdout.split(' ').includes(net), `disconnected: ${after.stdout}`);
});

test('a published port: reachable from the host, shown by port and ps; the same host port twice fails', async () => {
  const hostPort = await freePort();
  ok(await d.skiff(['run', '-d', '--name', web, '-p', `127.0.0.1:${hostPort}:80`, 'busybox', ...httpd('hello-web')]));
  const body = await waitFor('the published port', () => httpGet(`http://127.0.0.1:${hostPort}/`).catch(() => undefined), 20_000, 200);
  assert.equal(body, 'hello-web\n');

  const port = await d.skiff(['port', web]);
  ok(port);
  assert.equal(port.stdout, `80/tcp -> 127.0.0.1:${hostPort}\n`);
  const one = await d.skiff(['port', web, '80/tcp']);
  ok(one);
  assert.equal(one.stdout, `127.0.0.1:${hostPort}\n`);
  const none = await d.skiff(['port', web, '81']);
  assert.equal(none.code, 1);
  assert.equal(none.stderr, `Error: No public port '81' published for ${web}\n`);

  const ps = await d.skiff(['ps', '--filter', `name=${web}`, '--format', '{{.Names}} {{.Ports}}']);
  ok(ps);
  assert.equal(ps.stdout, `${web} 127.0.0.1:${hostPort}->80/tcp\n`);
  const table = await d.skiff(['ps', '--filter', `name=${web}`]);
  ok(table);
  assert.match(table.stdout, /^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES\n/);
  assert.ok(table.stdout.includes(`127.0.0.1:${hostPort}->80/tcp`), table.stdout);

  const twice = await d.skiff(['run', '-d', '--name', uniqueName('clash'), '-p', `127.0.0.1:${hostPort}:80`, 'busybox', 'sleep', '30']);
  assert.notEqual(twice.code, 0, 'a second container on the same host port is refused');
  assert.match(twice.stderr, new RegExp(String(hostPort)));
  ok(await d.skiff(['rm', '-f', web]));
  // and the port is free again
  await waitFor('the host port to be released', () => httpGet(`http://127.0.0.1:${hostPort}/`).then(() => false, () => true), 10_000, 200);
});

test('bad port specs are refused by the CLI with docker messages', async () => {
  const r = await d.skiff(['run', '-d', '-p', '80/foo', 'busybox']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /invalid proto: foo/);
  const h = await d.skiff(['run', '-d', '-p', 'x:80', 'busybox']);
  assert.equal(h.code, 125);
  assert.match(h.stderr, /invalid hostPort: x/);
});

test('network rm refuses a network in use, then removes it; prune removes unused ones', async () => {
  const busy = await d.skiff(['network', 'rm', net]);
  assert.equal(busy.code, 1);
  assert.match(busy.stderr, /Error response from daemon: .*(active endpoints|in use)/);
  ok(await d.skiff(['rm', '-f', db]));
  const rm = await d.skiff(['network', 'rm', net]);
  ok(rm);
  assert.equal(rm.stdout, `${net}\n`);
  const ls = await d.skiff(['network', 'ls', '--format', '{{.Name}}']);
  ok(ls);
  assert.ok(!ls.stdout.split('\n').includes(net));

  const spare = uniqueName('skn-spare');
  ok(await d.skiff(['network', 'create', spare]));
  networks.push(spare);
  const prune = await d.skiff(['network', 'prune', '-f']);
  ok(prune);
  assert.match(prune.stdout, new RegExp(`^Deleted Networks:\\n(.+\\n)*${spare}\\n(.+\\n)*\\n$`));
  const gone = await d.skiff(['network', 'inspect', spare]);
  assert.equal(gone.code, 1);
});
