// One kind served in two versions (one stored, one converted in and out), and kinds installed into the live
// set while the REST layer runs: the mechanism CRD versions and autoscaling/v1 use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GVR, KObject } from '../../types/meta.ts';
import type { ResourceSpec } from '../../types/resource.ts';
import { createResourceSet } from '../../types/resource-set.ts';
import { resources } from '../../types/registry.ts';
import { collect, startTestRest } from './testing.ts';

const G = 'example.skiff.dev';
const v1: GVR = { group: G, version: 'v1', resource: 'widgets' };
const v2: GVR = { group: G, version: 'v2', resource: 'widgets' };

function widgetSpec(version: string, extra: Partial<ResourceSpec> = {}): ResourceSpec {
  return {
    group: G, version, kind: 'Widget', listKind: 'WidgetList', resource: 'widgets', singular: 'widget', namespaced: true,
    subresources: [], verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    statusSubresource: false, generation: true, defaults() {}, validate: () => [], validateUpdate: () => [], ...extra,
  };
}

type W = KObject & { spec?: { size?: number; dimensions?: { size?: number } } };
/** v2 has spec.dimensions.size where v1 (stored) has spec.size */
const v2Spec = widgetSpec('v2', {
  conversion: {
    storageVersion: 'v1',
    toStorage: (o) => { const w = o as W; return { ...w, apiVersion: `${G}/v1`, spec: { size: w.spec?.dimensions?.size } }; },
    fromStorage: (o) => { const w = o as W; return { ...w, apiVersion: `${G}/v2`, spec: { dimensions: { size: w.spec?.size } } }; },
  },
});

test('a second version: written, read, listed, watched and patched through its converters, stored once', async () => {
  const t = await startTestRest({ resources: [...resources, widgetSpec('v1'), v2Spec] });
  try {
    const created = await t.rest.create<W>(v2, 'default', { apiVersion: `${G}/v2`, kind: 'Widget', metadata: { name: 'a' }, spec: { dimensions: { size: 3 } } });
    assert.equal(created.apiVersion, `${G}/v2`);
    assert.deepEqual(created.spec, { dimensions: { size: 3 } });
    const stored = JSON.parse((await t.store.get('/registry/example.skiff.dev/widgets/default/a'))!.value);
    assert.equal(stored.apiVersion, `${G}/v1`);
    assert.deepEqual(stored.spec, { size: 3 });
    assert.deepEqual((await t.rest.get<W>(v1, 'default', 'a')).spec, { size: 3 });
    const got = await t.rest.get<W>(v2, 'default', 'a');
    assert.equal(got.metadata?.resourceVersion, created.metadata?.resourceVersion);

    await t.rest.create(v1, 'default', { apiVersion: `${G}/v1`, kind: 'Widget', metadata: { name: 'b' }, spec: { size: 5 } });
    const listed = await t.rest.list<W>(v2, 'default');
    assert.equal(listed.apiVersion, `${G}/v2`);
    assert.deepEqual(listed.items.map((w) => [w.apiVersion, w.spec?.dimensions?.size]), [[`${G}/v2`, 3], [`${G}/v2`, 5]]);
    const paged = await t.rest.list<W>(v2, 'default', { limit: 1 });
    assert.deepEqual(paged.items.map((w) => w.spec), [{ dimensions: { size: 3 } }]);

    const ac = new AbortController();
    const events = collect(t.rest.watch<W>(v2, 'default', { resourceVersion: listed.metadata.resourceVersion }, ac.signal), ac, (seen) => seen.length >= 1);
    const patched = await t.rest.patch<W>(v2, 'default', 'b', 'merge', { spec: { dimensions: { size: 7 } } });
    assert.deepEqual(patched.spec, { dimensions: { size: 7 } });
    assert.equal(patched.metadata?.generation, 2);
    const seen = await events;
    assert.equal(seen[0].type, 'MODIFIED');
    assert.deepEqual(seen[0].object.spec, { dimensions: { size: 7 } });
    assert.equal(seen[0].object.apiVersion, `${G}/v2`);
    assert.deepEqual((await t.rest.get<W>(v1, 'default', 'b')).spec, { size: 7 });

    await t.rest.delete(v2, 'default', 'a');
    assert.deepEqual((await t.rest.list<W>(v1, 'default')).items.map((w) => w.metadata?.name), ['b']);
  } finally {
    await t.cleanup();
  }
});

test('kinds installed into the live set while serving: objects already stored are cached, removal ends watches', async () => {
  const set = createResourceSet(resources);
  const t = await startTestRest({ resources: set });
  try {
    await assert.rejects(t.rest.list(v1, 'default'), /could not find the requested resource/);
    // an object stored before its kind is served (a CRD recreated, a server restarted)
    await t.store.create('/registry/example.skiff.dev/widgets/default/old', JSON.stringify({ apiVersion: `${G}/v1`, kind: 'Widget', metadata: { name: 'old', namespace: 'default', uid: 'u1' }, spec: { size: 1 } }));
    set.replace('widgets.example.skiff.dev', [widgetSpec('v1')]);
    await t.rest.cacheSynced();
    assert.deepEqual((await t.rest.list<W>(v1, 'default', { resourceVersion: '0' })).items.map((w) => w.metadata?.name), ['old']);

    // a second version added later: the cache stays, v2 reads it converted
    set.replace('widgets.example.skiff.dev', [widgetSpec('v1'), v2Spec]);
    await t.rest.cacheSynced();
    assert.deepEqual((await t.rest.list<W>(v2, 'default', { resourceVersion: '0' })).items.map((w) => w.spec), [{ dimensions: { size: 1 } }]);

    const ac = new AbortController();
    const watching = collect(t.rest.watch<W>(v2, 'default', {}, ac.signal), ac, () => false, 10_000);
    await new Promise((r) => setTimeout(r, 100));
    set.replace('widgets.example.skiff.dev', []);
    await t.rest.cacheSynced();
    const started = Date.now();
    const seen = await watching;
    assert.ok(Date.now() - started < 5_000, 'the watch ended when the kind went away');
    assert.deepEqual(seen.map((e) => e.type), ['ADDED']);
    await assert.rejects(t.rest.get(v1, 'default', 'old'), /could not find the requested resource/);
  } finally {
    await t.cleanup();
  }
});
