// Networks through the real docker CLI: the default bridge, user networks, published ports (kernel DNAT),
// connect/disconnect, and what is left on the host after containers, removals and a daemon kill -9.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { get } from 'node:http';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ok, run, startDaemon, uniqueName, waitFor, type Daemon } from './harness.ts';

let d: Daemon;
before(async () => { d = await startDaemon(); });
after(async () => { await d?.cleanup(); });
afterEach((t) => d?.reportFailure(t));

const bindable = (port: number) => new Promise<boolean>((done) => {
  const s = createServer();
  s.once('error', () => done(false));
  s.listen(port, '0.0.0.0', () => s.close(() => done(true)));
});

/** A TCP port nothing listens on now (and, with `pair`, its next one neither). */
async function freePort(pair = false): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 10000);
    if ((await bindable(port)) && (!pair || (await bindable(port + 1)))) return port;
  }
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = get(url, { timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => done({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timed out`)));
    req.on('error', fail);
  });
}

const inspect = async (name: string, format: string) => {
  const r = await d.docker(['inspect', '-f', format, name]);
  ok(r);
  return r.stdout.trim();
};

/** What this daemon has on the host: veths on its bridges, its netns, its nft rules, its IP leases. */
async function footprint(): Promise<{ veths: number; netns: number; rules: number; leases: number }> {
  const nets = (await d.api('GET', '/networks')).json<Array<{ Id: string; Driver: string; Options: Record<string, string> }>>();
  const bridges = nets.filter((n) => n.Driver === 'bridge').map((n) => n.Options['com.docker.network.bridge.name'] ?? `sk-${n.Id.slice(0, 12)}`);
  let veths = 0;
  for (const br of bridges) {
    const r = await run('ip', ['-o', 'link', 'show', 'master', br]);
    veths += r.stdout.split('\n').filter(Boolean).length;
  }
  const ids = readdirSync(join(d.root, 'containers')).filter((x) => /^[0-9a-f]{64}$/.test(x));
  const netns = (await run('ip', ['netns', 'list'])).stdout.split('\n').filter((l) => ids.some((id) => l.startsWith(`skiff-${id}`))).length;
  const table = await run('nft', ['-a', 'list', 'table', 'ip', d.nftTable]);
  const rules = table.stdout.split('\n').filter((l) => /# handle \d+$/.test(l) && !/^\s*(table|chain)\b/.test(l)).length;
  let leases = 0;
  const ipam = join(d.root, 'networks', 'ipam');
  for (const net of existsSync(ipam) ? readdirSync(ipam) : []) leases += readdirSync(join(ipam, net)).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)).length;
  return { veths, netns, rules, leases };
}

// the one outside host this machine may reach: the Debian mirror the host's apt uses (name resolution too)
function hostAptMirror(): { host: string; path: string } | undefined {
  for (const f of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    const text = existsSync(f) ? readFileSync(f, 'utf8') : '';
    const m = /^(?:URIs:\s*|deb\s+)(http:\/\/([^/\s]+)(\/\S*)?)/m.exec(text);
    if (m) return { host: m[2], path: `${(m[3] ?? '/').replace(/\/$/, '')}/dists/bookworm/Release` };
  }
  return undefined;
}

test('default bridge: outbound traffic is masqueraded and names resolve: a container reaches the host\'s apt mirror', { skip: !hostAptMirror() && 'no http apt mirror configured on this host' }, async () => {
  const { host, path } = hostAptMirror()!;
  // busybox wget's -T crashes here: the shell's timeout bounds it instead
  const r = await d.docker(['run', '--rm', 'busybox', 'sh', '-c', `timeout 30 wget -q -O - http://${host}${path} | head -c 200`]);
  ok(r);
  assert.match(r.stdout, /^(Origin|Label|Suite|Codename):/m);
});

test('default bridge: an address from --bip, a default route, the host\'s resolvers; -p 127.0.0.1:P:80 answers on the host', async () => {
  const r = await d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'ip -4 addr show eth0; ip route; cat /etc/resolv.conf']);
  ok(r);
  const subnet = d.bip.split('.').slice(0, 3).join('.');
  assert.match(r.stdout, new RegExp(`inet ${subnet.replace(/\./g, '\\.')}\\.\\d+/24`));
  assert.match(r.stdout, new RegExp(`default via ${d.bip.split('/')[0].replace(/\./g, '\\.')}`));
  assert.doesNotMatch(r.stdout, /nameserver 127\./);

  const port = await freePort(true);
  const name = uniqueName('web');
  ok(await d.docker(['run', '-d', '--name', name, '-p', `127.0.0.1:${port}:80`, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']));
  const id = await inspect(name, '{{.Id}}');
  const res = await waitFor('the published port to answer', () => httpGet(`http://127.0.0.1:${port}/hostname`).catch(() => undefined));
  assert.equal(res.status, 200);
  assert.equal(res.body, `${id.slice(0, 12)}\n`);
  const portOut = await d.docker(['port', name]);
  ok(portOut);
  assert.equal(portOut.stdout.trim(), `80/tcp -> 127.0.0.1:${port}`);
  const ps = await d.docker(['ps', '--filter', `name=${name}`, '--format', '{{.Ports}}']);
  assert.equal(ps.stdout.trim(), `127.0.0.1:${port}->80/tcp`);

  // the same host port again: docker's words, and nothing of the second container is left on the host
  const beforeFp = await footprint();
  const again = await d.docker(['run', '--rm', '-p', `127.0.0.1:${port}:80`, 'busybox', 'true']);
  assert.equal(again.code, 125, again.stderr);
  assert.match(again.stderr, new RegExp(`failed to set up container networking: driver failed programming external connectivity on endpoint \\S+ \\([0-9a-f]{64}\\): Bind for 127\\.0\\.0\\.1:${port} failed: port is already allocated`));
  assert.deepEqual(await footprint(), beforeFp);
  // a host port range takes its first free port
  const ranged = uniqueName('ranged');
  ok(await d.docker(['run', '-d', '--name', ranged, '-p', `127.0.0.1:${port}-${port + 1}:80`, 'busybox', 'sleep', '600']));
  assert.equal((await d.docker(['port', ranged])).stdout.trim(), `80/tcp -> 127.0.0.1:${port + 1}`);
  ok(await d.docker(['rm', '-f', ranged]));
  // a port some host socket holds is refused the same way
  const holder = createServer();
  const held = await freePort();
  await new Promise<void>((done) => holder.listen(held, '127.0.0.1', done));
  try {
    const taken = await d.docker(['run', '--rm', '-p', `${held}:80`, 'busybox', 'true']);
    assert.equal(taken.code, 125);
    assert.match(taken.stderr, new RegExp(`Bind for 0\\.0\\.0\\.0:${held} failed: port is already allocated`));
  } finally {
    holder.close();
  }
  // a stopped container has no ports, as docker releases them at the exit (ps and inspect alike)
  ok(await d.docker(['stop', '-t', '0', name]));
  const stopped = await d.docker(['ps', '-a', '--filter', `name=${name}`, '--format', '[{{.Ports}}]']);
  assert.equal(stopped.stdout.trim(), '[]');
  assert.equal(await inspect(name, '{{json .NetworkSettings.Ports}}'), '{}');
  ok(await d.docker(['rm', '-f', name]));
});

test('none, host and container: network modes; --link, --add-host and --dns in /etc', async () => {
  const none = await d.docker(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'ip -o link | cut -d: -f2']);
  ok(none);
  assert.deepEqual(none.stdout.trim().split('\n').map((l) => l.trim()), ['lo']);
  const host = await d.docker(['run', '--rm', '--network', 'host', '-p', '80:80', 'busybox', 'sh', '-c', 'ip -o link show eth0 >/dev/null && echo host-eth0']);
  ok(host);
  assert.equal(host.stdout, 'host-eth0\n');
  assert.match(host.stderr, /Published ports are discarded when using host network mode/);

  const db = uniqueName('linked');
  ok(await d.docker(['run', '-d', '--name', db, 'busybox', 'sleep', '600']));
  const dbIp = await inspect(db, '{{.NetworkSettings.IPAddress}}');
  const gw = d.bip.split('/')[0];
  const etc = await d.docker(['run', '--rm', '--link', `${db}:database`, '--add-host', 'foo:1.2.3.4', '--add-host', 'gw:host-gateway',
    '--dns', '9.9.9.9', '--dns-search', 'example.com', 'busybox', 'sh', '-c', 'cat /etc/hosts /etc/resolv.conf']);
  ok(etc);
  assert.match(etc.stdout, /^1\.2\.3\.4\tfoo$/m);
  assert.match(etc.stdout, new RegExp(`^${gw.replace(/\./g, '\\.')}\tgw$`, 'm'));
  assert.match(etc.stdout, new RegExp(`^${dbIp.replace(/\./g, '\\.')}\tdatabase ${db}$`, 'm'));
  assert.match(etc.stdout, /^nameserver 9\.9\.9\.9\nsearch example\.com$/m);

  // container:<name> shares the running container's namespace; a stopped one cannot be joined
  const shared = await d.docker(['run', '--rm', '--network', `container:${db}`, 'busybox', 'ip', '-o', '-4', 'addr', 'show', 'eth0']);
  ok(shared);
  assert.match(shared.stdout, new RegExp(`inet ${dbIp.replace(/\./g, '\\.')}/`));
  ok(await d.docker(['stop', '-t', '0', db]));
  const stopped = await d.docker(['run', '--rm', '--network', `container:${db}`, 'busybox', 'true']);
  assert.equal(stopped.code, 125);
  assert.match(stopped.stderr, new RegExp(`cannot join network namespace of a non running container: container ${db} is exited`));
  ok(await d.docker(['rm', '-f', db]));
});

test('-P publishes exposed ports on random host ports, reachable on the host address and from other containers', async () => {
  const name = uniqueName('pub');
  ok(await d.docker(['run', '-d', '--name', name, '-P', '--expose', '8080', 'busybox', 'httpd', '-f', '-p', '8080', '-h', '/etc']));
  const port = await d.docker(['port', name, '8080/tcp']);
  ok(port);
  const hostPort = Number(/0\.0\.0\.0:(\d+)/.exec(port.stdout)?.[1]);
  assert.ok(hostPort >= 32768 && hostPort <= 60999, port.stdout);
  const hostAddr = (await run('ip', ['-j', '-4', 'route', 'get', '192.0.2.2'])).code === 0 ? '192.0.2.2' : '127.0.0.1';
  const res = await waitFor('the random port to answer', () => httpGet(`http://${hostAddr}:${hostPort}/hostname`).catch(() => undefined));
  assert.equal(res.status, 200);
  // another container reaches it through the host's address (DNAT, then hairpin back onto the bridge)
  const gw = d.bip.split('/')[0];
  const r = await d.docker(['run', '--rm', 'busybox', 'wget', '-qO-', `http://${gw}:${hostPort}/hostname`]);
  ok(r);
  assert.equal(r.stdout, res.body);
  // ps filters by the published host port, the exposed port and the network (they were accepted and ignored)
  const psf = async (f: string) => (await d.docker(['ps', '--filter', f, '--format', '{{.Names}}'])).stdout.trim().split('\n').filter(Boolean);
  assert.ok((await psf(`publish=${hostPort}`)).includes(name));
  assert.ok(!(await psf(`publish=${hostPort === 60999 ? 60998 : hostPort + 1}`)).includes(name));
  assert.ok((await psf('expose=8080')).includes(name));
  assert.ok(!(await psf('expose=8080/udp')).includes(name));
  assert.ok((await psf('network=bridge')).includes(name));
  assert.ok(!(await psf('network=none')).includes(name));
  ok(await d.docker(['rm', '-f', name]));
});

test('user networks: subnets, isolation from the default bridge, errors in docker\'s words', async () => {
  const net = uniqueName('net');
  const created = await d.docker(['network', 'create', '--label', 'purpose=test', net]);
  ok(created);
  const subnet = (await d.docker(['network', 'inspect', '-f', '{{(index .IPAM.Config 0).Subnet}}', net])).stdout.trim();
  // from the daemon's own --default-address-pool (the harness gives each daemon one)
  const base = /base=(\d+\.\d+)\.(\d+)\.0\/19/.exec(d.addressPool)!;
  const [, prefix, third] = new RegExp(`^(${base[1].replace('.', '\\.')})\\.(\\d+)\\.0/24$`).exec(subnet) ?? [];
  assert.ok(prefix && Number(third) >= Number(base[2]) && Number(third) < Number(base[2]) + 32, `${subnet} is not in ${d.addressPool}`);
  const overlap = await d.docker(['network', 'create', '--subnet', subnet.replace('/24', '/16'), uniqueName('bad')]);
  assert.notEqual(overlap.code, 0);
  assert.match(overlap.stderr, /Pool overlaps with other one on this address space/);
  const custom = await d.docker(['network', 'ls', '--filter', 'type=custom', '--filter', 'label=purpose=test', '--format', '{{.Name}}']);
  assert.equal(custom.stdout.trim(), net);

  const db = uniqueName('db');
  ok(await d.docker(['run', '-d', '--name', db, '--network', net, '--network-alias', 'database', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']));
  const dbIp = await inspect(db, `{{(index .NetworkSettings.Networks "${net}").IPAddress}}`);
  assert.ok(dbIp.startsWith(subnet.split('.').slice(0, 3).join('.') + '.'), dbIp);
  const aliases = await inspect(db, `{{json (index .NetworkSettings.Networks "${net}").DNSNames}}`);
  assert.deepEqual(JSON.parse(aliases).slice(0, 2), [db, 'database']);
  // same network: the address answers; the user network's resolver is its gateway
  const same = await d.docker(['run', '--rm', '--network', net, 'busybox', 'sh', '-c', `wget -qO- http://${dbIp}/hostname && cat /etc/resolv.conf`]);
  ok(same);
  assert.match(same.stdout, new RegExp(`nameserver ${subnet.replace('.0/24', '.1').replace(/\./g, '\\.')}`));
  // the embedded resolver: the name and the alias answer on the network, with its suffix too
  const byName = await d.docker(['run', '--rm', '--network', net, 'busybox', 'sh', '-c', `wget -qO- http://${db}/hostname && wget -qO- http://database/hostname && nslookup ${db}.${net}`]);
  ok(byName);
  const dbHost = `${(await inspect(db, '{{.Id}}')).slice(0, 12)}\n`;
  assert.equal(byName.stdout.split('\n').slice(0, 2).join('\n') + '\n', dbHost + dbHost);
  assert.match(byName.stdout, new RegExp(`Address: ${dbIp.replace(/\./g, '\\.')}`));
  // from the default bridge the name is unknown (the host's resolvers are asked), while a bridge container's IP answers
  const web = uniqueName('bweb');
  ok(await d.docker(['run', '-d', '--name', web, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']));
  const webIp = await inspect(web, '{{.NetworkSettings.IPAddress}}');
  const userDns = subnet.replace('.0/24', '.1');
  const fromBridge = await d.docker(['run', '--rm', 'busybox', 'sh', '-c', `wget -qO- http://${webIp}/hostname; grep -c 'nameserver ${userDns}' /etc/resolv.conf; nslookup ${db} ${userDns} >/dev/null 2>&1; echo lookup=$?`]);
  assert.equal(fromBridge.stdout, `${(await inspect(web, '{{.Id}}')).slice(0, 12)}\n0\nlookup=1\n`, fromBridge.stderr);
  ok(await d.docker(['rm', '-f', web]));
  // the default bridge cannot reach into another network
  // (sh stays PID 1 so that timeout's SIGTERM reaches wget; the forward rules drop, as docker's do)
  const other = await d.docker(['run', '--rm', 'busybox', 'sh', '-c', `timeout 3 wget -qO- http://${dbIp}/hostname; echo rc=$?`]);
  ok(other);
  assert.match(other.stdout, /rc=143/);

  const busy = await d.docker(['network', 'rm', net]);
  assert.notEqual(busy.code, 0);
  assert.match(busy.stderr, new RegExp(`error while removing network: network ${net} id [0-9a-f]{64} has active endpoints`));
  const builtin = await d.docker(['network', 'rm', 'bridge']);
  assert.match(builtin.stderr, /bridge is a pre-defined network and cannot be removed/);
  const unknown = await d.docker(['run', '--rm', '--network', 'no-such-net', 'busybox', 'true']);
  assert.equal(unknown.code, 125);
  assert.match(unknown.stderr, /network no-such-net not found/);
  // nor is a missing container to join a 404 (the CLI would try to pull the image and hide the error)
  const noJoin = await d.docker(['run', '--rm', '--network', 'container:no-such-ctr', 'busybox', 'true']);
  assert.equal(noJoin.code, 125);
  assert.match(noJoin.stderr, /No such container: no-such-ctr/);
  assert.doesNotMatch(noJoin.stderr, /Unable to find image/);
  const badIp = await d.docker(['run', '--rm', '--network', net, '--ip', '192.168.250.5', 'busybox', 'true']);
  assert.equal(badIp.code, 125);
  assert.match(badIp.stderr, /no configured subnet or ip-range contain the IP address 192\.168\.250\.5/);
  const takenIp = await d.docker(['run', '--rm', '--network', net, '--ip', dbIp, 'busybox', 'true']);
  assert.equal(takenIp.code, 125);
  assert.match(takenIp.stderr, new RegExp(`Address already in use: ${dbIp.replace(/\./g, '\\.')}`));
  assert.doesNotMatch(takenIp.stderr, /CNI/);

  const netId = (await d.docker(['network', 'inspect', '-f', '{{.Id}}', net])).stdout.trim();
  assert.ok(existsSync(`/sys/class/net/sk-${netId.slice(0, 12)}`));
  ok(await d.docker(['rm', '-f', db]));
  ok(await d.docker(['network', 'rm', net]));
  assert.ok(!existsSync(`/sys/class/net/sk-${netId.slice(0, 12)}`), 'network rm removes its bridge');
});

test('network prune: until is a duration back from now, label! keeps what it names, ls filters are refused', async () => {
  const keep = uniqueName('pkeep');
  const gone = uniqueName('pgone');
  ok(await d.docker(['network', 'create', '--label', 'keep=1', keep]));
  ok(await d.docker(['network', 'create', gone]));
  const recent = await d.docker(['network', 'prune', '-f', '--filter', 'until=1h']);
  ok(recent);
  assert.doesNotMatch(recent.stdout, new RegExp(`${keep}|${gone}`));
  const byName = await d.docker(['network', 'prune', '-f', '--filter', `name=${gone}`]);
  assert.match(byName.stderr, /invalid filter 'name'/);
  const pruned = await d.docker(['network', 'prune', '-f', '--filter', 'label!=keep']);
  ok(pruned);
  assert.match(pruned.stdout, new RegExp(`^Deleted Networks:\\n(.*\\n)*${gone}\\n`));
  assert.doesNotMatch(pruned.stdout, new RegExp(keep));
  ok(await d.docker(['network', 'rm', keep]));
});

test('connect and disconnect a running container: an interface comes and goes; --ip is honoured', async () => {
  const net = uniqueName('cnet');
  ok(await d.docker(['network', 'create', '--subnet', '10.103.250.0/24', net]));
  const c = uniqueName('c');
  ok(await d.docker(['run', '-d', '--name', c, 'busybox', 'sleep', '600']));
  ok(await d.docker(['network', 'connect', '--ip', '10.103.250.77', '--alias', 'extra', net, c]));
  const addr = await d.docker(['exec', c, 'ip', '-4', 'addr', 'show', 'eth1']);
  ok(addr);
  assert.match(addr.stdout, /inet 10\.103\.250\.77\/24/);
  const dup = await d.docker(['network', 'connect', net, c]);
  assert.match(dup.stderr, /already exists in network/);
  ok(await d.docker(['network', 'disconnect', net, c]));
  const gone = await d.docker(['exec', c, 'ip', 'addr', 'show', 'eth1']);
  assert.notEqual(gone.code, 0);
  ok(await d.docker(['rm', '-f', c]));
  // docker 28's gw-priority: the highest gives the default route
  const net2 = uniqueName('cnet2');
  ok(await d.docker(['network', 'create', '--subnet', '10.103.251.0/24', net2]));
  const routes = await d.docker(['run', '--rm', '--network', net2, '--network', `name=${net},gw-priority=1`, 'busybox', 'ip', 'route']);
  ok(routes);
  assert.match(routes.stdout, /^default via 10\.103\.250\.1 /m);
  ok(await d.docker(['network', 'rm', net2]));
  // a stopped container: connect and disconnect are recorded for its next start
  const later = uniqueName('later');
  ok(await d.docker(['create', '--name', later, 'busybox', 'sh', '-c', 'ip -o link | cut -d: -f2 | tr -d " " | sort | tr "\\n" " "']));
  ok(await d.docker(['network', 'disconnect', 'bridge', later]));
  const alone = await d.docker(['start', '-a', later]);
  ok(alone);
  assert.equal(alone.stdout, 'lo ');
  ok(await d.docker(['network', 'connect', net, later]));
  const joined = await d.docker(['start', '-a', later]);
  ok(joined);
  assert.match(joined.stdout, /^eth0@if\d+ lo $/);
  ok(await d.docker(['rm', '-f', later]));
  ok(await d.docker(['network', 'rm', net]));
});

test('20 run --rm and a kill -9 of the daemon leave no veth, netns, lease or rule behind; published ports survive the daemon, DNS comes back', async () => {
  const port = await freePort();
  const keep = uniqueName('keep');
  const net = uniqueName('knet');
  const named = uniqueName('named');
  ok(await d.docker(['network', 'create', net]));
  ok(await d.docker(['run', '-d', '--name', named, '--network', net, 'busybox', 'sleep', '600']));
  ok(await d.docker(['run', '-d', '--name', keep, '-p', `127.0.0.1:${port}:80`, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']));
  await waitFor('the published port', () => httpGet(`http://127.0.0.1:${port}/`).then(() => true, () => false));
  const baseline = await footprint();
  const ps = (await d.docker(['ps', '-a', '--format', '{{.Names}} {{.Status}}'])).stdout;
  assert.deepEqual({ veths: baseline.veths, netns: baseline.netns, leases: baseline.leases }, { veths: 2, netns: 2, leases: 2 }, ps);
  for (let i = 0; i < 20; i++) ok(await d.docker(['run', '--rm', 'busybox', 'true']));
  await waitFor('the footprint to settle', async () => JSON.stringify(await footprint()) === JSON.stringify(baseline), 10_000);

  // a renamed container answers to its new name, also after the daemon's restart
  ok(await d.docker(['rename', named, `${named}-r`]));
  // a container whose process dies while the daemon is away is torn down at the next start
  const doomed = uniqueName('doomed');
  ok(await d.docker(['run', '-d', '--name', doomed, '-p', '80', 'busybox', 'sleep', '600']));
  const pid = Number(await inspect(doomed, '{{.State.Pid}}'));
  await d.stop('SIGKILL');
  const whileDown = await httpGet(`http://127.0.0.1:${port}/hostname`);
  assert.equal(whileDown.status, 200);
  process.kill(pid, 'SIGKILL');
  await d.restart();
  await waitFor('the dead container to be torn down', async () => JSON.stringify(await footprint()) === JSON.stringify(baseline), 15_000);
  assert.equal((await httpGet(`http://127.0.0.1:${port}/hostname`)).status, 200);
  const lookup = await d.docker(['run', '--rm', '--network', net, 'busybox', 'nslookup', `${named}-r`]);
  ok(lookup);
  assert.match(lookup.stdout, new RegExp(`Address: ${(await inspect(`${named}-r`, `{{(index .NetworkSettings.Networks "${net}").IPAddress}}`)).replace(/\./g, '\\.')}`));
  ok(await d.docker(['rm', '-f', keep, doomed, `${named}-r`]));
  ok(await d.docker(['network', 'rm', net]));
  const empty = await footprint();
  assert.deepEqual({ veths: empty.veths, netns: empty.netns, leases: empty.leases }, { veths: 0, netns: 0, leases: 0 });
  assert.ok(empty.rules < baseline.rules, `the published port's rule is gone (${empty.rules} < ${baseline.rules})`);
});
