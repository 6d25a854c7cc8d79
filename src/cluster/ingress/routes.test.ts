import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';
import { buildRoutes, isOurs, route, tlsFor, normalHost } from './routes.ts';
import { createRoundRobin, resolveBackend, type BackendSource } from './backends.ts';
import { upstreamHeaders, downstreamHeaders } from './headers.ts';
import { problemsOf, ingressStatusAddress } from './status.ts';
import type { CertStore } from './certs.ts';

const be = (service: string, port: number | string = 80) => ({ service: { name: service, port: typeof port === 'number' ? { number: port } : { name: port } } });
const ing = (name: string, spec: Ingress['spec'], created = '2026-01-01T00:00:00Z'): Ingress =>
  ({ metadata: { name, namespace: 'default', creationTimestamp: created }, spec });

test('host and path precedence: exact host, wildcard, no host; longest path; Exact before Prefix; default backend', () => {
  const t = buildRoutes([
    ing('one', {
      defaultBackend: be('fallback'),
      rules: [
        { host: 'a.test', http: { paths: [
          { path: '/', pathType: 'Prefix', backend: be('root') },
          { path: '/api/', pathType: 'Prefix', backend: be('api') },
          { path: '/api/v1', pathType: 'Exact', backend: be('v1exact') },
          { path: '/api/v1', pathType: 'Prefix', backend: be('v1prefix') },
          { path: '/static', pathType: 'ImplementationSpecific', backend: be('static') },
        ] } },
        { host: '*.w.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: be('wild') }] } },
        { http: { paths: [{ path: '/any', pathType: 'Exact', backend: be('any') }] } },
      ],
    }),
    ing('two', { defaultBackend: be('younger'), rules: [{ host: 'a.test', http: { paths: [{ path: '/api', pathType: 'Prefix', backend: be('stolen') }] } }] }, '2026-02-01T00:00:00Z'),
  ]);
  const svc = (host: string, path: string) => route(t, host, path)?.service;
  assert.equal(svc('a.test', '/'), 'root');
  assert.equal(svc('A.Test:8080', '/x'), 'root');
  assert.equal(svc('a.test', '/api'), 'api', 'the older Ingress wins a tie; /api/ is /api');
  assert.equal(svc('a.test', '/api/x?q=1'), 'api');
  assert.equal(svc('a.test', '/apix'), 'root', 'prefixes match whole path elements');
  assert.equal(svc('a.test', '/api/v1'), 'v1exact');
  assert.equal(svc('a.test', '/api/v1/'), 'v1prefix');
  assert.equal(svc('a.test', '/static/x.css'), 'static');
  assert.equal(svc('x.w.test', '/'), 'wild');
  assert.equal(svc('y.x.w.test', '/'), 'fallback', 'a wildcard covers one label');
  assert.equal(svc('w.test', '/'), 'fallback');
  assert.equal(svc('other', '/any'), 'any');
  assert.equal(svc('other', '/any/x'), 'fallback');
  assert.equal(route(t, 'a.test', '/')?.ingress, 'default/one');
  assert.equal(buildRoutes([]).defaultBackend, undefined);
  assert.equal(route(buildRoutes([]), 'a.test', '/'), undefined);
  assert.equal(normalHost('[::1]:80'), '[::1]');
});

test('class: ours by name, by controller, or as the default class when none is named', () => {
  const ours: IngressClass = { metadata: { name: 'skiff', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } }, spec: { controller: 'skiff.io/ingress' } };
  const other: IngressClass = { metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } };
  assert.ok(isOurs(ing('a', { ingressClassName: 'skiff' }), [ours, other]));
  assert.ok(isOurs(ing('a', {}), [ours, other]));
  assert.ok(!isOurs(ing('a', { ingressClassName: 'nginx' }), [ours, other]));
  assert.ok(!isOurs(ing('a', {}), [{ ...ours, metadata: { name: 'skiff' } }]), 'not the default any more');
  assert.ok(!isOurs(ing('a', { ingressClassName: 'skiff' }), []), 'no class object: nobody serves it');
});

test('TLS hosts map to their Secret, wildcards too', () => {
  const t = buildRoutes([ing('a', { tls: [{ hosts: ['a.test', '*.w.test'], secretName: 'a-tls' }] })]);
  assert.equal(tlsFor(t, 'a.test')?.secret, 'a-tls');
  assert.equal(tlsFor(t, 'x.w.test')?.secret, 'a-tls');
  assert.equal(tlsFor(t, 'b.test'), undefined);
});

test('backends: named and numbered ports, ready endpoints first, terminating ones only when none is ready; round-robin', () => {
  const slice = (ready: boolean[], base: number, portName = 'http') => ({
    addressType: 'IPv4', ports: [{ name: portName, port: 8080 }],
    endpoints: ready.map((r, i) => ({ addresses: [`10.0.0.${base + i}`], conditions: { ready: r, serving: true, terminating: !r } })),
  });
  let slices = [slice([true, false], 1), slice([true], 5), slice([true], 9, 'other')];
  const src: BackendSource = {
    service: (_ns, name) => (name === 'web' ? { spec: { ports: [{ name: 'http', port: 80 }] } } : undefined),
    slices: () => slices as never,
  };
  const b = (port: number | string) => ({ namespace: 'default', ingress: 'default/i', service: 'web', port });
  assert.deepEqual(resolveBackend(src, b(80)), { targets: [{ host: '10.0.0.1', port: 8080 }, { host: '10.0.0.5', port: 8080 }] });
  assert.deepEqual(resolveBackend(src, b('http')), resolveBackend(src, b(80)));
  assert.deepEqual(resolveBackend(src, b(81)), { missing: 'port', message: 'service "default/web" has no port 81' });
  assert.equal((resolveBackend(src, { ...b(80), service: 'gone' }) as { missing: string }).missing, 'service');
  slices = [slice([false], 1)];
  assert.deepEqual(resolveBackend(src, b(80)), { targets: [{ host: '10.0.0.1', port: 8080 }] }, 'terminating when none is ready');
  slices = [];
  assert.equal((resolveBackend(src, b(80)) as { missing: string }).missing, 'endpoints');
  const rr = createRoundRobin();
  const ts = [{ host: 'a', port: 1 }, { host: 'b', port: 1 }, { host: 'c', port: 1 }];
  assert.deepEqual([0, 1, 2, 3].map(() => rr('k', ts).map((t) => t.host).join('')), ['abc', 'bca', 'cab', 'abc']);
});

test('headers: hop-by-hop and pseudo headers stay, X-Forwarded-* are set, the client chain is appended to', () => {
  const up = upstreamHeaders({ host: 'ignored', ':authority': 'a.test', connection: 'keep-alive, x-hop', 'x-hop': '1', 'keep-alive': 'timeout=5', te: 'trailers', 'x-forwarded-for': '1.2.3.4', accept: '*/*' },
    { remote: '10.0.0.9', scheme: 'https', host: 'a.test', port: 443 });
  assert.deepEqual(up, { host: 'a.test', accept: '*/*', 'x-forwarded-for': '1.2.3.4, 10.0.0.9', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'a.test', 'x-forwarded-port': '443', 'x-real-ip': '10.0.0.9' });
  assert.deepEqual(downstreamHeaders({ 'transfer-encoding': 'chunked', connection: 'close', 'set-cookie': ['a=1', 'b=2'] }), { 'set-cookie': ['a=1', 'b=2'] });
});

test('problems: missing Service, missing port, resource backends, TLS Secrets; the status address', () => {
  const src: BackendSource = {
    service: (_ns, name) => (name === 'web' ? { spec: { ports: [{ name: 'http', port: 80 }] } } : undefined),
    slices: () => [],
  };
  const certs = { contextFor: () => { throw new Error('unused'); }, forget() {}, problem: (r: { secret: string }) => (r.secret === 'ok' ? undefined : { reason: 'SecretNotFound', message: `secret "default/${r.secret}" not found` }) } as unknown as CertStore;
  const problems = problemsOf(ing('a', {
    defaultBackend: { resource: { apiGroup: 'k8s.example.com', kind: 'StorageBucket', name: 'static' } },
    tls: [{ hosts: ['a.test'], secretName: 'ok' }, { hosts: ['b.test'], secretName: 'nope' }],
    rules: [{ host: 'a.test', http: { paths: [
      { path: '/', pathType: 'Prefix', backend: be('web', 'http') },
      { path: '/x', pathType: 'Prefix', backend: be('web', 81) },
      { path: '/y', pathType: 'Prefix', backend: be('gone') },
      { path: '/z', pathType: 'Prefix', backend: be('gone') },
    ] } }],
  }), src, certs);
  assert.deepEqual(problems.map((p) => `${p.reason}: ${p.message}`), [
    'UnsupportedBackend: default backend: resource backends (StorageBucket "static") are not served; the rule is left out',
    'ServicePortNotFound: a.test/x: service "default/web" has no port 81',
    'ServiceNotFound: a.test/y: service "default/gone" not found',
    'SecretNotFound: secret "default/nope" not found',
  ]);
  assert.equal(ingressStatusAddress(undefined, '10.0.0.1'), '10.0.0.1');
  assert.equal(ingressStatusAddress({ status: { loadBalancer: { ingress: [{ ip: '10.0.0.200' }] } } }, '10.0.0.1'), '10.0.0.200');
});
