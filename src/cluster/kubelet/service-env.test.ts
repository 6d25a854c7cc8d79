import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serviceEnvVars } from './service-env.ts';

test('service links as the kubelet writes them; default/kubernetes always, others only in the namespace with links on', () => {
  const svc = (ns: string, name: string, ip: string, ports: Array<{ name?: string; port: number; protocol?: string }>) => ({ metadata: { namespace: ns, name }, spec: { clusterIP: ip, ports } });
  const services = [
    svc('default', 'kubernetes', '10.43.0.1', [{ name: 'https', port: 443 }]),
    svc('shop', 'web-api', '10.43.0.9', [{ name: 'http', port: 80 }, { port: 53, protocol: 'UDP' }]),
    svc('shop', 'headless', 'None', [{ port: 80 }]),
    svc('other', 'db', '10.43.0.7', [{ port: 5432 }]),
  ];
  const pod = { metadata: { namespace: 'shop' }, spec: { containers: [] } };
  const m = Object.fromEntries(serviceEnvVars(pod, services).map((e) => [e.name, e.value]));
  assert.equal(m.KUBERNETES_SERVICE_HOST, '10.43.0.1');
  assert.equal(m.KUBERNETES_SERVICE_PORT, '443');
  assert.equal(m.KUBERNETES_SERVICE_PORT_HTTPS, '443');
  assert.equal(m.KUBERNETES_PORT, 'tcp://10.43.0.1:443');
  assert.equal(m.KUBERNETES_PORT_443_TCP_ADDR, '10.43.0.1');
  assert.equal(m.WEB_API_SERVICE_PORT_HTTP, '80');
  assert.equal(m.WEB_API_PORT_53_UDP, 'udp://10.43.0.9:53');
  assert.equal(m.WEB_API_PORT_53_UDP_PROTO, 'udp');
  assert.equal(m.HEADLESS_SERVICE_HOST, undefined);
  assert.equal(m.DB_SERVICE_HOST, undefined, 'other namespaces are not linked');
  const off = serviceEnvVars({ metadata: { namespace: 'shop' }, spec: { enableServiceLinks: false, containers: [] } }, services).map((e) => e.name);
  assert.ok(off.every((n) => n.startsWith('KUBERNETES_')));
});
