// A CRD's versions installed into the live set while the HTTP face serves: discovery's ETag moves and names
// the kind, the router reaches it, /openapi/v3 lists its group-version with a document kubectl can read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createResourceSet } from '../../types/resource-set.ts';
import { resources } from '../../types/registry.ts';
import { createOpenApiDocs } from '../openapi/index.ts';
import { createApiHandler } from '../http/index.ts';
import { startTestRest } from '../rest/testing.ts';
import { specsOf } from './specs.ts';
import { withCustomResources } from './openapi.ts';
import type { CustomResourceDefinition } from './types.ts';

const crd: CustomResourceDefinition = {
  metadata: { name: 'gizmos.example.com' },
  spec: {
    group: 'example.com', scope: 'Cluster', names: { plural: 'gizmos', singular: 'gizmo', kind: 'Gizmo', listKind: 'GizmoList' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } }, status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } as never } } } }],
  },
};

test('installing a CRD\'s kind: discovery ETag, routing and OpenAPI follow the live set', async () => {
  const set = createResourceSet(resources);
  const t = await startTestRest({ resources: set });
  const handler = createApiHandler({ rest: t.rest, resources: set, openapi: withCustomResources(createOpenApiDocs(), set), authenticate: () => ({ name: 'admin', groups: ['system:masters'] }) });
  const server = createServer(handler);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const accept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
  try {
    const before = await fetch(`${base}/apis`, { headers: { accept } });
    const etag = before.headers.get('etag')!;
    assert.doesNotMatch(await before.text(), /gizmos/);
    assert.equal((await fetch(`${base}/apis/example.com/v1/gizmos`)).status, 404);

    set.replace(crd.metadata!.name!, specsOf(crd));
    await t.rest.cacheSynced();
    const after = await fetch(`${base}/apis`, { headers: { accept, 'if-none-match': etag } });
    assert.equal(after.status, 200, 'the old ETag no longer matches');
    assert.notEqual(after.headers.get('etag'), etag);
    assert.match(await after.text(), /"resource":"gizmos"/);
    const created = await fetch(`${base}/apis/example.com/v1/gizmos`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiVersion: 'example.com/v1', kind: 'Gizmo', metadata: { name: 'g' }, spec: { size: 2 } }) });
    assert.equal(created.status, 201);
    const list = (await (await fetch(`${base}/apis/example.com/v1/gizmos`)).json()) as { kind: string; items: unknown[] };
    assert.deepEqual([list.kind, list.items.length], ['GizmoList', 1]);

    const root = (await (await fetch(`${base}/openapi/v3`)).json()) as { paths: Record<string, { serverRelativeURL: string }> };
    const doc = (await (await fetch(`${base}${root.paths['apis/example.com/v1'].serverRelativeURL}`)).json()) as { paths: Record<string, { patch?: { parameters: { name: string }[]; requestBody: { content: object } } }>; components: { schemas: Record<string, object> } };
    const patch = doc.paths['/apis/example.com/v1/gizmos/{name}'].patch!;
    assert.ok(patch.parameters.some((p) => p.name === 'fieldValidation'));
    assert.deepEqual(Object.keys(patch.requestBody.content), ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml']);
    assert.ok(doc.components.schemas['com.example.v1.Gizmo']);
    assert.ok(doc.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']);

    set.replace(crd.metadata!.name!, []);
    assert.equal((await fetch(`${base}/apis/example.com/v1/gizmos`)).status, 404);
    assert.equal((await fetch(`${base}/openapi/v3/apis/example.com/v1`)).status, 404);
  } finally {
    server.closeAllConnections();
    server.close();
    await t.cleanup();
  }
});

test('the storage version moves: objects stored in the old one read as either version (conversion None)', async () => {
  const set = createResourceSet(resources);
  const t = await startTestRest({ resources: set });
  const v = (name: string, storage: boolean) => ({ name, served: true, storage, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } as never } });
  const withVersions = (versions: ReturnType<typeof v>[]): CustomResourceDefinition => ({ ...crd, spec: { ...crd.spec, versions } });
  const gvr = (version: string) => ({ group: 'example.com', version, resource: 'gizmos' });
  try {
    set.replace('gizmos.example.com', specsOf(withVersions([v('v1', true), v('v2', false)])));
    await t.rest.cacheSynced();
    await t.rest.create(gvr('v1'), undefined, { apiVersion: 'example.com/v1', kind: 'Gizmo', metadata: { name: 'old' }, spec: { a: 1 } });
    set.replace('gizmos.example.com', specsOf(withVersions([v('v1', false), v('v2', true)])));
    await t.rest.cacheSynced();
    assert.equal((await t.rest.get(gvr('v2'), undefined, 'old')).apiVersion, 'example.com/v2');
    assert.equal((await t.rest.get(gvr('v1'), undefined, 'old')).apiVersion, 'example.com/v1');
    assert.deepEqual((await t.rest.list(gvr('v2'), undefined)).items.map((o) => o.apiVersion), ['example.com/v2']);
  } finally {
    await t.cleanup();
  }
});

test('metadata.generation of a custom object: without a status subresource every change but metadata counts', async () => {
  const set = createResourceSet(resources);
  const t = await startTestRest({ resources: set });
  const gvr = { group: 'example.com', version: 'v1', resource: 'gizmos' };
  try {
    set.replace('gizmos.example.com', specsOf(crd));
    await t.rest.cacheSynced();
    const created = await t.rest.create(gvr, undefined, { apiVersion: 'example.com/v1', kind: 'Gizmo', metadata: { name: 'g' }, spec: { size: 1 } });
    assert.equal(created.metadata?.generation, 1);
    const labelled = await t.rest.patch(gvr, undefined, 'g', 'merge', { metadata: { labels: { a: 'b' } } });
    assert.equal(labelled.metadata?.generation, 1);
    const pruned = await t.rest.patch(gvr, undefined, 'g', 'merge', { spec: { colour: 'red' } });
    assert.deepEqual([pruned.spec, pruned.metadata?.generation], [{ size: 1 }, 1], 'a field pruned away changes nothing');
    const statused = await t.rest.patch(gvr, undefined, 'g', 'merge', { status: { ok: true } });
    assert.equal(statused.metadata?.generation, 2);
  } finally {
    await t.cleanup();
  }
});
