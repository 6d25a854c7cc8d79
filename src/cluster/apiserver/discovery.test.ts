import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resources } from '../types/registry.ts';
import { createDiscovery } from './discovery.ts';

const d = createDiscovery(resources);
const json = (buf: Buffer | undefined) => JSON.parse(buf!.toString());

test('/api lists v1 and /apis lists every named group with its preferred version', () => {
  assert.deepEqual(json(d.legacy('/api')?.json).versions, ['v1']);
  const groups = json(d.legacy('/apis')?.json);
  assert.equal(groups.kind, 'APIGroupList');
  const apps = groups.groups.find((g: { name: string }) => g.name === 'apps');
  assert.deepEqual(apps.preferredVersion, { groupVersion: 'apps/v1', version: 'v1' });
  assert.ok(!groups.groups.some((g: { name: string }) => g.name === ''), 'core is not a named group');
  assert.equal(json(d.legacy('/apis/apps')?.json).kind, 'APIGroup');
});

test('/api/v1 lists resources with their subresources, kinds and verbs', () => {
  const list = json(d.legacy('/api/v1')?.json);
  assert.equal(list.groupVersion, 'v1');
  const byName = new Map(list.resources.map((r: { name: string }) => [r.name, r]));
  assert.deepEqual(byName.get('pods'), byName.get('pods') && { ...(byName.get('pods') as object), kind: 'Pod', namespaced: true, shortNames: ['po'], categories: ['all'] });
  assert.deepEqual((byName.get('pods/status') as { verbs: string[] }).verbs, ['get', 'patch', 'update']);
  assert.deepEqual((byName.get('pods/binding') as { kind: string; verbs: string[] }), { name: 'pods/binding', singularName: '', namespaced: true, kind: 'Binding', verbs: ['create'] });
  assert.equal((byName.get('pods/eviction') as { group: string }).group, 'policy');
  assert.deepEqual((byName.get('namespaces/finalize') as { verbs: string[] }).verbs, ['update']);
  assert.ok(!(byName.get('namespaces') as { verbs: string[] }).verbs.includes('deletecollection'));
});

test('/apis/apps/v1 names deployments/scale as autoscaling/v1 Scale', () => {
  const scale = json(d.legacy('/apis/apps/v1')?.json).resources.find((r: { name: string }) => r.name === 'deployments/scale');
  assert.deepEqual(scale, { name: 'deployments/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
});

test('unknown discovery paths have no document', () => {
  assert.equal(d.legacy('/apis/nope'), undefined);
  assert.equal(d.legacy('/apis/apps/v9'), undefined);
});

test('aggregated discovery (v2) for /apis carries responseKind, scope, verbs, shortNames, categories and subresources', () => {
  const list = json(d.aggregated('/apis', 'v2').json);
  assert.equal(list.kind, 'APIGroupDiscoveryList');
  assert.equal(list.apiVersion, 'apidiscovery.k8s.io/v2');
  const apps = list.items.find((i: { metadata: { name: string } }) => i.metadata.name === 'apps');
  const deploy = apps.versions[0].resources.find((r: { resource: string }) => r.resource === 'deployments');
  assert.deepEqual(deploy.responseKind, { group: 'apps', version: 'v1', kind: 'Deployment' });
  assert.equal(deploy.scope, 'Namespaced');
  assert.deepEqual(deploy.shortNames, ['deploy']);
  assert.deepEqual(deploy.categories, ['all']);
  assert.deepEqual(deploy.subresources.find((s: { subresource: string }) => s.subresource === 'scale'),
    { subresource: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] });
  assert.equal(apps.versions[0].freshness, 'Current');
  const nodes = json(d.aggregated('/api', 'v2').json).items[0].versions[0].resources.find((r: { resource: string }) => r.resource === 'nodes');
  assert.equal(nodes.scope, 'Cluster');
});

test('aggregated discovery v2beta1 differs only in apiVersion; ETags are stable and distinct', () => {
  const v2 = json(d.aggregated('/api', 'v2').json);
  const beta = json(d.aggregated('/api', 'v2beta1').json);
  assert.equal(beta.apiVersion, 'apidiscovery.k8s.io/v2beta1');
  assert.deepEqual(beta.items, v2.items);
  assert.equal(d.aggregated('/api', 'v2').etag, createDiscovery(resources).aggregated('/api', 'v2').etag);
  assert.notEqual(d.aggregated('/api', 'v2').etag, d.aggregated('/apis', 'v2').etag);
});
