import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { servicePorts } from './model.ts';

const svc = (spec: Service['spec'], status?: Service['status']): Service => ({ metadata: { namespace: 'ns', name: 'web' }, spec, status });
const ep = (ip: string, node: string, c: { ready?: boolean; serving?: boolean; terminating?: boolean }) => ({ addresses: [ip], nodeName: node, conditions: c });

test('named ports take each slice\'s own resolved port; ready endpoints only', () => {
  const slices: EndpointSlice[] = [
    { addressType: 'IPv4', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }], endpoints: [ep('10.0.0.1', 'n1', { ready: true }), ep('10.0.0.2', 'n2', { ready: false })] },
    { addressType: 'IPv4', ports: [{ name: 'http', port: 9090, protocol: 'TCP' }], endpoints: [ep('10.0.0.3', 'n1', {})] },
    { addressType: 'IPv6', ports: [{ name: 'http', port: 80, protocol: 'TCP' }], endpoints: [ep('fd00::1', 'n1', { ready: true })] },
  ];
  const [p] = servicePorts(svc({ clusterIP: '10.43.0.5', ports: [{ name: 'http', port: 80, targetPort: 'http' }] }), slices, 'n1');
  assert.equal(p.id, 'ns/web/tcp/http');
  assert.deepEqual(p.clusterEndpoints, [{ ip: '10.0.0.1', port: 8080, local: true }, { ip: '10.0.0.3', port: 9090, local: true }]);
  assert.equal(p.nodePort, undefined);
});

test('serving terminating endpoints only when none is ready, per scope (cluster, local)', () => {
  const slices: EndpointSlice[] = [{
    addressType: 'IPv4', ports: [{ name: '', port: 80, protocol: 'UDP' }],
    endpoints: [ep('10.0.0.1', 'n1', { ready: false, serving: true, terminating: true }), ep('10.0.0.2', 'n2', { ready: true }), ep('10.0.0.3', 'n1', { ready: false, serving: false, terminating: true })],
  }];
  const [p] = servicePorts(svc({ clusterIP: '10.43.0.5', type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ port: 53, protocol: 'UDP', nodePort: 30053 }] }), slices, 'n1');
  assert.deepEqual(p.clusterEndpoints.map((e) => e.ip), ['10.0.0.2']);
  assert.deepEqual(p.localEndpoints.map((e) => e.ip), ['10.0.0.1']);
  assert.equal(p.protocol, 'udp');
  assert.equal(p.nodePort, 30053);
  assert.equal(p.externalLocal, true);
});

test('headless and ExternalName Services get nothing; LoadBalancer ingress IPs and affinity are carried', () => {
  assert.deepEqual(servicePorts(svc({ clusterIP: 'None', ports: [{ port: 80 }] }), [], 'n1'), []);
  assert.deepEqual(servicePorts(svc({ type: 'ExternalName', externalName: 'example.com' }), [], 'n1'), []);
  const [p] = servicePorts(svc({
    type: 'LoadBalancer', clusterIP: '10.43.0.7', ports: [{ port: 80, nodePort: 31000 }], externalIPs: ['192.0.2.9'],
    sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
  }, { loadBalancer: { ingress: [{ ip: '10.201.3.200' }] } }), [], 'n1');
  assert.deepEqual(p.externalIPs, ['10.201.3.200', '192.0.2.9']);
  assert.equal(p.affinitySeconds, 60);
  assert.deepEqual(p.clusterEndpoints, []);
});
