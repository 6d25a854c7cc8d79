// Cluster DNS with a real agent: the kube-dns Service (server bootstrap) and the node's EndpointSlice; pods'
// resolv.conf by dnsPolicy (ClusterFirst, Default, None + dnsConfig); from a busybox pod, `nslookup` of a
// Service by short name and FQDN, a headless Service's pod by hostname/subdomain, an ExternalName, PTR, and a
// name outside the cluster forwarded to the node's resolver (a stand-in on loopback: traffic stays here).
// The pods' nameserver is the kube-dns clusterIP (the service range's .10), which the agent's service proxy
// sends to this node's DNS on its pod gateway. The range is a /24 of this test's own: every cluster's node-1
// shares the host's network namespace, and another test's proxy would take 10.43.0.10 for its own DNS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { randomInt } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as dnsPacket from 'dns-packet';
import { startControlPlane, type ControlPlane } from './cluster-harness.ts';
import { waitFor } from './harness.ts';
import { startNode, loadBusybox, type TestNode } from './kubelet-harness.ts';

let cp: ControlPlane;
let node: TestNode;
let gateway: string;
const upstreamIp = `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(2, 255)}`;
const upstream = dgram.createSocket('udp4');
const resolvFile = `/var/tmp/skiff-dns-test-resolv-${process.pid}.conf`;
const IMAGE = 'busybox:dns-test';
const serviceNet = `10.43.${randomInt(1, 255)}`;
const kubeDnsIP = `${serviceNet}.10`;

before(async () => {
  // the node's resolver: knows outside.example, NXDOMAIN for the rest
  upstream.on('message', (msg, rinfo) => {
    const q = dnsPacket.decode(msg);
    const qn = q.questions![0];
    const hit = qn.name.toLowerCase() === 'outside.example';
    const answers: dnsPacket.Answer[] = hit && qn.type === 'A' ? [{ type: 'A', name: qn.name, ttl: 30, data: '192.0.2.44' }] : [];
    upstream.send(dnsPacket.encode({ type: 'response', id: q.id, flags: dnsPacket.RECURSION_AVAILABLE | (hit ? 0 : 3), questions: q.questions, answers }), rinfo.port, rinfo.address);
  });
  await new Promise<void>((ok) => upstream.bind(53, upstreamIp, ok));
  writeFileSync(resolvFile, `nameserver ${upstreamIp}\nsearch node.example\noptions timeout:2\n`);
  cp = await startControlPlane({ args: ['--service-cidr', `${serviceNet}.0/24`] });
  node = await startNode(cp.kubeconfig, undefined, { agent: { resolvConf: resolvFile } });
  gateway = node.podCIDR.replace(/0\/24$/, '1');
  await loadBusybox(node, IMAGE);
});

after(async () => {
  await cp?.kubectl(['delete', 'pods,services', '--all', '--wait=true', '--timeout=60s'], { timeoutMs: 90_000 }).catch(() => undefined);
  await node?.cleanup();
  await cp?.cleanup();
  upstream.close();
  rmSync(resolvFile, { force: true });
});

const podYaml = (name: string, extra: object = {}, labels: Record<string, string> = {}, command = ['sleep', '3600']) => JSON.stringify({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, labels },
  spec: { nodeName: node.name, terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: IMAGE, imagePullPolicy: 'IfNotPresent', command }], ...extra },
});

async function apply(obj: string): Promise<void> {
  const r = await cp.kubectl(['apply', '-f', '-'], { input: obj });
  assert.equal(r.code, 0, r.stderr);
}

async function running(name: string): Promise<string> {
  return waitFor(`${name} Running`, async () => {
    const p = await cp.kjson(['get', 'pod', name]).catch(() => undefined);
    return p?.status?.phase === 'Running' && p.status.podIP;
  }, 90_000, 300);
}

const exec = async (pod: string, cmd: string[]) => {
  const r = await cp.kubectl(['exec', pod, '--', ...cmd], { timeoutMs: 30_000 });
  return { code: r.code, out: r.stdout + r.stderr };
};

test('kube-dns Service on .10 and this node\'s EndpointSlice naming its gateway', async () => {
  const svc = await cp.kjson(['get', 'svc', '-n', 'kube-system', 'kube-dns']);
  assert.equal(svc.spec.clusterIP, kubeDnsIP);
  const slice = await waitFor('kube-dns slice', async () => cp.kjson(['get', 'endpointslice', '-n', 'kube-system', `kube-dns-${node.name}`]).catch(() => undefined), 60_000, 300);
  assert.deepEqual([slice.endpoints[0].addresses, slice.endpoints[0].nodeName, slice.endpoints[0].conditions.ready], [[gateway], node.name, true]);
  assert.equal(slice.metadata.labels['kubernetes.io/service-name'], 'kube-dns');
});

test('from a pod: HTTP to a Service by short name, FQDN and ClusterIP; nslookup of Services, headless pod by hostname/subdomain, ExternalName, PTR, forwarded names', async () => {
  await apply(podYaml('web', {}, { app: 'web' }, ['sh', '-c', 'mkdir -p /www && echo hello-web > /www/index.html && exec httpd -f -p 80 -h /www']));
  await apply(JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] } }));
  await apply(JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'db' }, spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ name: 'pg', port: 5432 }] } }));
  await apply(JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'outside.example' } }));
  await apply(podYaml('db-pod', { hostname: 'db-0', subdomain: 'db' }, { app: 'db' }));
  await apply(podYaml('client'));
  const webIP = (await cp.kjson(['get', 'svc', 'web'])).spec.clusterIP;
  const dbIP = await running('db-pod');
  await running('client');

  const conf = await exec('client', ['cat', '/etc/resolv.conf']);
  assert.match(conf.out, new RegExp(`nameserver ${kubeDnsIP.replaceAll('.', '\\.')}\n`));
  assert.match(conf.out, /search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local node\.example/);
  assert.match(conf.out, /options ndots:5/);

  const fqdn = await exec('client', ['nslookup', 'web.default.svc.cluster.local']);
  assert.equal(fqdn.code, 0, fqdn.out);
  assert.match(fqdn.out, new RegExp(`Address:? *${webIP.replaceAll('.', '\\.')}`));
  const short = await exec('client', ['nslookup', 'web']);
  assert.match(short.out, new RegExp(webIP.replaceAll('.', '\\.')), short.out);
  // (busybox's nslookup applies the search list only to names without a dot)
  const dns = await exec('client', ['nslookup', 'kube-dns.kube-system.svc.cluster.local']);
  assert.match(dns.out, new RegExp(`Address:\\s*${kubeDnsIP.replaceAll('.', '\\.')}\\b`), dns.out);
  const hostname = await waitFor('db-0.db resolves', async () => {
    const r = await exec('client', ['nslookup', 'db-0.db.default.svc.cluster.local']);
    return r.out.includes(dbIP) && r.out;
  }, 30_000, 500);
  assert.ok(hostname);
  const ext = await exec('client', ['nslookup', '-type=a', 'ext.default.svc.cluster.local']);
  assert.match(ext.out, /outside\.example/);
  assert.match(ext.out, /192\.0\.2\.44/);
  const ptr = await exec('client', ['nslookup', webIP]);
  assert.match(ptr.out, /web\.default\.svc\.cluster\.local/, ptr.out);
  const out = await exec('client', ['nslookup', 'outside.example.']);
  assert.match(out.out, /192\.0\.2\.44/, out.out);
  // issue 13's must-show 1: the Service answers HTTP by short name, FQDN and ClusterIP (busybox wget resolves
  // through libc's resolver with the pod's resolv.conf: search path and ndots)
  await running('web');
  for (const host of ['web', 'web.default.svc.cluster.local', webIP]) {
    const got = await waitFor(`wget http://${host}/`, async () => {
      // (no -T: this busybox's wget dies of SIGSEGV with a timeout set)
      const r = await exec('client', ['wget', '-qO-', `http://${host}/`]);
      if (!r.out.includes('hello-web')) process.stderr.write(`wget ${host}: ${r.out}\n`);
      return r.out.includes('hello-web') && r.out;
    }, 30_000, 500);
    assert.match(String(got), /hello-web/);
  }
  const missing = await exec('client', ['nslookup', 'nope.default.svc.cluster.local']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.out, /NXDOMAIN|can't find/i);
});

test('dnsPolicy Default gets the node\'s resolv.conf; None gets only its dnsConfig; host-network pods: ClusterFirstWithHostNet asks the cluster DNS, ClusterFirst the node\'s', async () => {
  await apply(podYaml('hostnet', { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }));
  await apply(podYaml('hostnet-cf', { hostNetwork: true }));
  await running('hostnet');
  await running('hostnet-cf');
  assert.match((await exec('hostnet', ['cat', '/etc/resolv.conf'])).out, new RegExp(`nameserver ${kubeDnsIP.replaceAll('.', '\\.')}\n`));
  const fromHost = await exec('hostnet', ['nslookup', 'kube-dns.kube-system.svc.cluster.local']);
  assert.match(fromHost.out, new RegExp(`Address:\\s*${kubeDnsIP.replaceAll('.', '\\.')}\\b`), fromHost.out);
  assert.equal((await exec('hostnet-cf', ['cat', '/etc/resolv.conf'])).out.match(/nameserver (\S+)/)?.[1], upstreamIp);
  await apply(podYaml('dflt', { dnsPolicy: 'Default' }));
  await apply(podYaml('none', { dnsPolicy: 'None', dnsConfig: { nameservers: ['192.0.2.53'], searches: ['a.example'], options: [{ name: 'ndots', value: '2' }] } }));
  await running('dflt');
  await running('none');
  assert.equal((await exec('dflt', ['cat', '/etc/resolv.conf'])).out.match(/nameserver (\S+)/)?.[1], upstreamIp);
  const none = (await exec('none', ['cat', '/etc/resolv.conf'])).out;
  assert.match(none, /nameserver 192\.0\.2\.53/);
  assert.doesNotMatch(none, /cluster\.local/);
  assert.match(none, /search a\.example/);
  assert.match(none, /options ndots:2/);
  assert.ok(readFileSync(resolvFile, 'utf8').includes(upstreamIp));
});

test('an agent restart: its EndpointSlice goes with it and comes back; the pods resolve again', async () => {
  const sliceOf = () => cp.kjson(['get', 'endpointslice', '-n', 'kube-system', `kube-dns-${node.name}`]).catch(() => undefined);
  await node.stop();
  assert.equal(await sliceOf(), undefined, 'a stopped agent withdraws its DNS endpoint');
  node.start();
  await waitFor('the slice back', sliceOf, 60_000, 300);
  const again = await waitFor('web resolves after the restart', async () => {
    const r = await exec('client', ['nslookup', 'web.default.svc.cluster.local']);
    return r.code === 0 && r.out;
  }, 60_000, 500);
  assert.match(String(again), /Name:\s*web\.default\.svc\.cluster\.local/);
});
