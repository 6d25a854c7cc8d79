import { test } from 'node:test';
import assert from 'node:assert/strict';
import { R } from '../../types/gvr.ts';
import type { KObject } from '../../types/meta.ts';
import { createFakeClient } from '../../client/index.ts';
import { createRevision, equalRevisions, hashRevisionData, nextRevision, renumberRevision, templateOf, templatePatch, truncateHistory } from './index.ts';
import type { Revision } from './index.ts';

const owner: KObject = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'default', uid: 'u1', annotations: { 'kubernetes.io/change-cause': 'why' } } };
const o = { owner, ownerKind: { apiVersion: 'apps/v1', kind: 'StatefulSet' }, labels: { app: 'web' } };
const template = (image: string) => ({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } });
const revs = (c: ReturnType<typeof createFakeClient>) => c.objects(R.controllerrevisions) as Revision[];

test('a revision stores the template as a replacing patch, named by the hash of its data, with the owner\'s labels and annotations', async () => {
  const client = createFakeClient();
  const data = templatePatch(template('a'));
  assert.deepEqual(data, { spec: { template: { ...template('a'), $patch: 'replace' } } });
  const { revision, collisionCount } = await createRevision(client, o, data, 1, 0);
  assert.equal(collisionCount, 0);
  assert.equal(revision.metadata?.name, `web-${hashRevisionData(data, 0)}`);
  assert.match(revision.metadata?.name ?? '', /^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.deepEqual(revision.metadata?.labels, { app: 'web', 'controller-revision-hash': hashRevisionData(data, 0) });
  assert.equal(revision.metadata?.annotations?.['kubernetes.io/change-cause'], 'why');
  assert.equal(revision.metadata?.ownerReferences?.[0].uid, 'u1');
  assert.deepEqual(templateOf(revision), template('a'));
  assert.equal((await createRevision(client, o, data, 2, 0)).revision.metadata?.name, revision.metadata?.name, 'the same data: the existing revision');
  assert.equal(revs(client).length, 1);
});

test('a name taken by other data counts a collision and takes the next hash', async () => {
  const data = templatePatch(template('b'));
  const squatter: Revision = { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: `web-${hashRevisionData(data, 0)}`, namespace: 'default' }, data: { other: true }, revision: 1 };
  const client = createFakeClient([squatter]);
  const { revision, collisionCount } = await createRevision(client, o, data, 2, 0);
  assert.equal(collisionCount, 1);
  assert.equal(revision.metadata?.name, `web-${hashRevisionData(data, 1)}`);
});

test('equal revisions, renumbering and truncation keep the live ones and the newest of the rest', async () => {
  const client = createFakeClient();
  for (const [i, img] of ['a', 'b', 'c', 'd'].entries()) await createRevision(client, o, templatePatch(template(img)), i + 1, 0);
  assert.equal(nextRevision(revs(client)), 5);
  const a = equalRevisions(revs(client), templatePatch(template('a')));
  assert.equal(a.length, 1);
  assert.equal((await renumberRevision(client, a[0], 5)).revision, 5);
  const live = new Set([a[0].metadata?.name ?? '']);
  await truncateHistory(client, revs(client), live, 1);
  const left = revs(client).map((r) => templateOf(r).spec?.containers[0].image).sort();
  assert.deepEqual(left, ['a', 'd'], 'a is live; of b, c, d only the newest stays');
});
