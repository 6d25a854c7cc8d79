import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resources } from '../../types/registry.ts';
import { indexResources, parseResourcePath } from './route.ts';
import { negotiate, parseAccept } from './negotiate.ts';
import { verbOf } from './resource.ts';

const index = indexResources(resources);
const parse = (p: string) => {
  const t = parseResourcePath(p, index);
  return t && { resource: t.spec.resource, group: t.spec.group, namespace: t.namespace, name: t.name, subresource: t.subresource, watch: t.watchPrefix };
};

test('core and group paths, namespaced and cluster-scoped, with names and subresources', () => {
  assert.deepEqual(parse('/api/v1/namespaces/default/pods'), { resource: 'pods', group: '', namespace: 'default', name: undefined, subresource: undefined, watch: false });
  assert.deepEqual(parse('/api/v1/pods'), { resource: 'pods', group: '', namespace: undefined, name: undefined, subresource: undefined, watch: false });
  assert.deepEqual(parse('/apis/apps/v1/namespaces/ns1/deployments/web/scale'), { resource: 'deployments', group: 'apps', namespace: 'ns1', name: 'web', subresource: 'scale', watch: false });
  assert.deepEqual(parse('/api/v1/nodes/n1/status'), { resource: 'nodes', group: '', namespace: undefined, name: 'n1', subresource: 'status', watch: false });
  assert.deepEqual(parse('/apis/networking.k8s.io/v1/ingressclasses/nginx'), { resource: 'ingressclasses', group: 'networking.k8s.io', namespace: undefined, name: 'nginx', subresource: undefined, watch: false });
});

test('/api/v1/namespaces/{name} is the Namespace itself, with its status and finalize subresources', () => {
  assert.deepEqual(parse('/api/v1/namespaces/kube-system'), { resource: 'namespaces', group: '', namespace: undefined, name: 'kube-system', subresource: undefined, watch: false });
  assert.equal(parse('/api/v1/namespaces/foo/status')?.subresource, 'status');
  assert.equal(parse('/api/v1/namespaces/foo/finalize')?.subresource, 'finalize');
  assert.equal(parse('/api/v1/namespaces')?.name, undefined);
});

test('legacy /watch/ paths', () => {
  assert.deepEqual(parse('/api/v1/watch/namespaces/default/pods/p1'), { resource: 'pods', group: '', namespace: 'default', name: 'p1', subresource: undefined, watch: true });
  assert.equal(parse('/apis/apps/v1/watch/deployments')?.watch, true);
});

test('paths nothing serves are undefined (404)', () => {
  for (const p of ['/api/v1/foos', '/api/v2/pods', '/apis/apps/v1/pods', '/api/v1/pods/p1', '/api/v1/namespaces/default/nodes', '/api/v1/namespaces/default/pods/p/bogus',
    '/api/v1/namespaces/default/configmaps/c/status', '/api/v1/namespaces/default/pods/p/status/extra', '/api/v1']) {
    assert.equal(parse(p), undefined, p);
  }
});

test('methods map to verbs; a verb the resource lacks is 405', () => {
  const t = (p: string) => parseResourcePath(p, index)!;
  const q = new URLSearchParams();
  assert.equal(verbOf('GET', t('/api/v1/namespaces/d/pods'), q), 'list');
  assert.equal(verbOf('GET', t('/api/v1/namespaces/d/pods'), new URLSearchParams('watch=1')), 'watch');
  assert.equal(verbOf('GET', t('/api/v1/namespaces/d/pods/p'), new URLSearchParams('watch=true')), 'watch');
  assert.equal(verbOf('DELETE', t('/api/v1/namespaces/d/pods'), q), 'deletecollection');
  assert.equal(verbOf('POST', t('/api/v1/namespaces/d/pods/p/binding'), q), 'create');
  assert.equal(verbOf('PUT', t('/api/v1/namespaces/n/finalize'), q), 'update');
  assert.equal(verbOf('PATCH', t('/apis/apps/v1/namespaces/d/deployments/w/scale'), q), 'patch');
  const status405 = (method: string, path: string) => assert.throws(() => verbOf(method, t(path), q), (e: { code: number }) => e.code === 405, `${method} ${path}`);
  status405('DELETE', '/api/v1/namespaces');
  status405('POST', '/api/v1/pods');
  status405('POST', '/api/v1/namespaces/d/pods/p');
  status405('PUT', '/api/v1/namespaces/d/pods');
  status405('GET', '/api/v1/namespaces/d/pods/p/binding');
  status405('DELETE', '/api/v1/namespaces/d/pods/p/status');
});

test('Accept negotiation: Table and aggregated discovery when asked and offered, JSON otherwise (protobuf is skipped)', () => {
  const kubectlGet = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
  assert.deepEqual(negotiate(parseAccept(kubectlGet), { table: true }), { as: 'table', version: 'v1' });
  assert.deepEqual(negotiate(parseAccept(kubectlGet), {}), { as: 'json' });
  const disco = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
  assert.deepEqual(negotiate(parseAccept(disco), { discovery: true }), { as: 'discovery', version: 'v2' });
  assert.deepEqual(negotiate(parseAccept('application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList'), { discovery: true }), { as: 'discovery', version: 'v2beta1' });
  assert.deepEqual(negotiate(parseAccept('application/vnd.kubernetes.protobuf,application/json'), { table: true }), { as: 'json' });
  assert.deepEqual(negotiate(parseAccept(undefined), { table: true }), { as: 'json' });
});
