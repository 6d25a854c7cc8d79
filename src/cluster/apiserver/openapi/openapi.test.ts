import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createOpenApiDocs, createSchemaIndex, type ListNode, type StructNode } from './index.ts';

const docs = createOpenApiDocs();

test('the v3 root lists api/v1 and apis/apps/v1 with an upper-case SHA-512 hash URL', () => {
  const root = docs.v3Root() as { paths: Record<string, { serverRelativeURL: string }> };
  for (const gv of ['api/v1', 'apis/apps/v1', 'apis/batch/v1', 'apis/autoscaling/v2', 'apis/events.k8s.io/v1']) {
    assert.match(root.paths[gv].serverRelativeURL, new RegExp(`^/openapi/v3/${gv}\\?hash=[0-9A-F]{128}$`));
  }
});

test('a document is served with the hash of its own bytes, as the root advertises', () => {
  const root = docs.v3Root() as { paths: Record<string, { serverRelativeURL: string }> };
  const doc = docs.v3Document('apis/apps/v1');
  assert.ok(doc);
  assert.equal(doc.hash, createHash('sha512').update(doc.json).digest('hex').toUpperCase());
  assert.equal(root.paths['apis/apps/v1'].serverRelativeURL.split('hash=')[1], doc.hash);
});

test('the apps/v1 document holds io.k8s.api.apps.v1.Deployment with its GVK and the PATCH fieldValidation parameter', () => {
  const doc = JSON.parse(docs.v3Document('apis/apps/v1')!.json.toString()) as {
    components: { schemas: Record<string, { 'x-kubernetes-group-version-kind'?: unknown[] }> };
    paths: Record<string, { patch?: { parameters: { name: string }[] } }>;
  };
  assert.deepEqual(doc.components.schemas['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
  const patch = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
  assert.ok(patch?.parameters.some((p) => p.name === 'fieldValidation'));
});

test('paths of resources skiff does not serve are trimmed away', () => {
  const doc = JSON.parse(docs.v3Document('api/v1')!.json.toString()) as { paths: Record<string, unknown> };
  assert.ok(doc.paths['/api/v1/namespaces/{namespace}/pods/{name}']);
  assert.ok(doc.paths['/api/v1/namespaces/{name}/status']);
  assert.ok(doc.paths['/api/v1/persistentvolumes'], 'served since issue 12');
  assert.ok(doc.paths['/api/v1/namespaces/{namespace}/resourcequotas'], 'served since issue 14');
  assert.equal(doc.paths['/api/v1/componentstatuses'], undefined);
});

test('an unknown group-version is not found; /openapi/v2 is made from the v3 documents', () => {
  assert.equal(docs.v3Document('apis/flowcontrol.apiserver.k8s.io/v1') === undefined, true);
  assert.equal(docs.v3Document('../manifest'), undefined);
  assert.equal(JSON.parse(docs.v2Document()!.json.toString('utf8')).swagger, '2.0');
});

test('a missing data folder fails only when a document is first asked for', () => {
  const lazy = createOpenApiDocs({ dataDir: '/nonexistent/skiff-openapi' });
  assert.throws(() => lazy.v3Root(), /ENOENT/);
});

test('the schema index resolves a kind and its list semantics', () => {
  const index = createSchemaIndex(docs);
  const deploy = index.kindSchema({ group: 'apps', version: 'v1', kind: 'Deployment' }) as StructNode;
  assert.equal(deploy.kind, 'struct');
  const spec = deploy.field('spec') as StructNode;
  assert.deepEqual(spec.field('strategy')?.patchStrategy, ['retainKeys']);
  const podSpec = (spec.field('template') as StructNode).field('spec') as StructNode;
  const containers = podSpec.field('containers') as ListNode;
  assert.equal(containers.listType, 'map');
  assert.deepEqual(containers.mapKeys, ['name']);
  assert.equal(containers.mergeKey, 'name');
  assert.deepEqual(containers.patchStrategy, ['merge']);
  const ports = (containers.items as StructNode).field('ports') as ListNode;
  assert.deepEqual(ports.mapKeys, ['containerPort', 'protocol']);
  assert.equal((ports.items as StructNode).field('protocol')?.defaultValue, 'TCP');
  assert.equal((containers.items as StructNode).field('args')?.kind, 'list');
  const meta = deploy.field('metadata') as StructNode;
  assert.equal(meta.field('labels')?.kind, 'map');
  assert.equal((meta.field('finalizers') as ListNode).listType, 'set');
  assert.equal((spec.field('selector') as StructNode).atomic, true);
  const maxSurge = ((spec.field('strategy') as StructNode).field('rollingUpdate') as StructNode).field('maxSurge');
  assert.equal(maxSurge?.kind === 'scalar' && maxSurge.type, 'int-or-string');
  assert.equal(index.kindSchema({ group: '', version: 'v1', kind: 'Pod' })?.kind, 'struct');
  assert.equal(index.kindSchema({ group: 'batch', version: 'v1', kind: 'CronJob' })?.kind, 'struct');
  assert.equal(index.kindSchema({ group: 'apps', version: 'v1', kind: 'Nope' }), undefined);
});
