// Issue 13's must-shows 2 and 3 with real pods: `skiff up --nodes 1` (the host and a node host in its own netns), two
// busybox httpd Deployments behind ClusterIP Services, a TLS Secret and an Ingress routing a.test/ and
// a.test/api; from the host, curl over HTTP, over HTTPS verifying the Secret's certificate, and HTTP/2. The
// Ingress is published as the LoadBalancer kube-system/skiff-ingress with an address from up's pool, which
// carries the same requests (the service proxy's DNAT to the listener); the site Service is itself a
// LoadBalancer: the host reaches it on its EXTERNAL-IP and on its NodePort on every node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, startDaemon, waitFor, ok, type Daemon } from './harness.ts';
import { KUBECTL, freePort } from './cluster-harness.ts';
import { selfSignedServingTls } from '../src/cluster/server/tls.ts';

test('an Ingress routes a.test/ and a.test/api to two Services of real pods, over HTTP, HTTPS (the Secret\'s certificate) and HTTP/2; a LoadBalancer Service answers on its EXTERNAL-IP and NodePorts', { timeout: 600_000 }, async (t) => {
  const root = await mkdtemp('/var/tmp/skiff-ingress-test-');
  const port = await freePort();
  let engine: Daemon | undefined;
  let upDone = false;
  const skiff = (args: string[], timeoutMs = 120_000) => engine!.skiff(args, { timeoutMs });
  const kubectl = (args: string[], input?: string) => run(KUBECTL, ['--kubeconfig', join(root, 'admin.kubeconfig'), ...args], { timeoutMs: 60_000, input });
  try {
    engine = await startDaemon();
    ok(await skiff(['up', '--no-sample', '--nodes', '1', '--root', root, '--port', String(port)], 180_000));
    upDone = true;
    const layout = JSON.parse(readFileSync(join(root, 'cluster.json'), 'utf8')) as { nodes: Array<{ name: string; ip: string }> };
    const link = layout.nodes[0].ip; // the host's link address, where up's server serves Ingresses
    ok(await skiff(['nodes', 'load', '--root', root, 'busybox']));

    const tls = await selfSignedServingTls('a.test', ['a.test']);
    const caFile = join(root, 'a.test.crt');
    await writeFile(caFile, tls.cert);
    ok(await kubectl(['apply', '-f', '-'], `${app('site', 'site', 'LoadBalancer')}---\n${app('api', 'api')}
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
  tls: [{hosts: [a.test], secretName: a-tls}]
  rules:
  - host: a.test
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: site, port: {number: 80}}}}
      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {name: http}}}}
`));
    await waitFor('the pods Ready', async () => {
      const r = await kubectl(['get', 'pods', '-o', 'json']);
      const items = r.code === 0 ? (JSON.parse(r.stdout).items as Array<{ status: { conditions?: Array<{ type: string; status: string }> } }>) : [];
      return items.length === 4 && items.every((p) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    }, 180_000, 1000);

    const curl = (args: string[]) => run('curl', ['-sS', '--max-time', '10', ...args], { timeoutMs: 20_000 });
    const page = async (url: string, extra: string[] = []) => {
      const scheme = url.startsWith('https') ? 443 : 80;
      const r = await curl(['--resolve', `a.test:${scheme}:${link}`, ...extra, url]);
      return r.code === 0 ? r.stdout.trim() : `curl ${r.code}: ${r.stderr.trim()}`;
    };
    await waitFor('the Ingress to answer', async () => (await page('http://a.test/')).startsWith('site from'), 60_000, 500);
    assert.match(await page('http://a.test/'), /^site from site-/);
    assert.match(await page('http://a.test/api/'), /^api from api-/);
    assert.match(await page('https://a.test/', ['--cacert', caFile]), /^site from site-/, 'curl verified the Secret\'s certificate');
    assert.match(await page('https://a.test/api/', ['--cacert', caFile]), /^api from api-/);
    const h2 = await curl(['--resolve', `a.test:443:${link}`, '--cacert', caFile, '--http2', '-o', '/dev/null', '-w', '%{http_version} %{http_code}', 'https://a.test/api/']);
    assert.equal(h2.stdout, '2 200');
    // both pods of a Service answer in turn (round-robin), one of them on the netns node
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add(await page('http://a.test/api/'));
    assert.equal(seen.size, 2, [...seen].join(', '));

    // must-show 2: the site Deployment from the host on its LoadBalancer EXTERNAL-IP and on its NodePort of every node
    const site = JSON.parse((await kubectl(['get', 'svc', 'site', '-o', 'json'])).stdout) as { spec: { ports: Array<{ nodePort: number }> }; status: { loadBalancer?: { ingress?: Array<{ ip: string }> } } };
    const siteIP = site.status.loadBalancer?.ingress?.[0]?.ip ?? '';
    assert.match(siteIP, new RegExp(`^${link.replace(/\.1$/, '').replaceAll('.', '\\.')}\\.2\\d\\d$`), 'an address of up\'s pool (.200-.250)');
    assert.match((await kubectl(['get', 'svc', 'site'])).stdout, new RegExp(`site\\s+LoadBalancer\\s+\\S+\\s+${siteIP.replaceAll('.', '\\.')}\\s+80:${site.spec.ports[0].nodePort}/TCP`));
    const direct = async (url: string) => {
      const r = await curl([url]);
      return r.code === 0 ? r.stdout.trim() : `curl ${r.code}: ${r.stderr.trim()}`;
    };
    await waitFor('site on its EXTERNAL-IP', async () => (await direct(`http://${siteIP}/`)).startsWith('site from'), 30_000, 500)
      .catch(async () => assert.fail(`http://${siteIP}/: ${await direct(`http://${siteIP}/`)}`));
    for (const n of layout.nodes) assert.match(await direct(`http://${n.ip}:${site.spec.ports[0].nodePort}/`), /^site from site-/, `the NodePort on ${n.name}`);

    const svc = await kubectl(['get', 'svc', '-n', 'kube-system', 'skiff-ingress']);
    ok(svc);
    const lbIP = link.replace(/\.1$/, '.200');
    t.diagnostic(svc.stdout.trim());
    assert.match(svc.stdout, new RegExp(`skiff-ingress\\s+LoadBalancer\\s+\\S+\\s+${lbIP.replaceAll('.', '\\.')}\\s+80:\\d+/TCP,443:\\d+/TCP`));
    // through the LoadBalancer address: the host's service proxy (node-1's agent) DNATs it to the listener
    const viaLb = async (url: string, extra: string[] = []) => {
      const r = await curl(['--resolve', `a.test:${url.startsWith('https') ? 443 : 80}:${lbIP}`, ...extra, url]);
      return r.code === 0 ? r.stdout.trim() : `curl ${r.code}: ${r.stderr.trim()}`;
    };
    await waitFor('the Ingress on its LoadBalancer address', async () => (await viaLb('http://a.test/api/')).startsWith('api from'), 30_000, 500)
      .catch(async () => assert.fail(`through ${lbIP}: ${await viaLb('http://a.test/api/')}`));
    assert.match(await viaLb('https://a.test/', ['--cacert', caFile]), /^site from site-/);
    await waitFor('the Ingress status address', async () => new RegExp(`a\\s+skiff\\s+a\\.test\\s+${lbIP.replaceAll('.', '\\.')}\\s+80, 443`).test((await kubectl(['get', 'ingress', 'a'])).stdout) || undefined, 15_000, 500).catch(async () => {
      assert.fail(`kubectl get ingress: ${(await kubectl(['get', 'ingress', 'a'])).stdout}`);
    });
  } finally {
    try {
      if (upDone) {
        const down = await engine?.skiff(['down', '--no-sample', '--root', root], { timeoutMs: 120_000 });
        if (down?.code !== 0) t.diagnostic(`skiff down: ${down?.code} ${down?.stdout}${down?.stderr}`);
      }
    } finally {
      await engine?.cleanup();
      await rm(root, { recursive: true, force: true });
    }
  }
});

/** a 2-replica busybox httpd Deployment whose pages name the pod, and its Service (port 80 named http) of that type */
function app(name: string, text: string, type = 'ClusterIP'): string {
  const script = `mkdir -p /www/api && echo ${text} from $(hostname) > /www/index.html && cp /www/index.html /www/api/index.html && exec httpd -f -p 8080 -h /www`;
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: 2
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: httpd
        image: busybox:latest
        imagePullPolicy: Never
        command: ["sh", "-c", ${JSON.stringify(script)}]
        ports: [{containerPort: 8080}]
        readinessProbe: {httpGet: {path: /, port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec:
  type: ${type}
  selector: {app: ${name}}
  ports: [{name: http, port: 80, targetPort: 8080}]
`;
}
