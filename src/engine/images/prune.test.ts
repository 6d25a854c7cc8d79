import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Digest, ImageRecord } from '../types.ts';
import { pruneSelection } from './prune.ts';

const img = (id: string, repoTags: string[], created: string, labels: Record<string, string> = {}) =>
  ({ id: id as unknown as Digest, repoTags, repoDigests: [], created, size: 1, config: { config: { Labels: labels } } }) as unknown as ImageRecord;

test('image prune selection: dangling by default, all unused with dangling=false; label, label!, until; in-use stays', () => {
  const now = Date.parse('2026-06-01T12:00:00Z');
  const list = [
    img('old-dangling', [], '2026-05-01T00:00:00Z', { keep: '1' }),
    img('new-dangling', [], '2026-06-01T11:59:00Z'),
    img('tagged', ['web:1'], '2026-05-01T00:00:00Z'),
    img('used', [], '2026-05-01T00:00:00Z'),
  ];
  const inUse = (id: Digest) => (id as unknown as string) === 'used';
  const ids = (f: Record<string, string[]>) => pruneSelection(list, f, inUse, now).map((i) => i.id as unknown as string);
  assert.deepEqual(ids({}), ['old-dangling', 'new-dangling']);
  assert.deepEqual(ids({ dangling: ['false'] }), ['old-dangling', 'new-dangling', 'tagged']);
  assert.deepEqual(ids({ until: ['1h'] }), ['old-dangling']);
  assert.deepEqual(ids({ 'label!': ['keep'] }), ['new-dangling']);
  assert.deepEqual(ids({ label: ['keep=1'] }), ['old-dangling']);
  assert.throws(() => ids({ reference: ['web'] }), /invalid filter 'reference'/);
  assert.throws(() => ids({ dangling: ['maybe'] }), /invalid filter 'dangling=maybe'/);
});

test('image prune never takes a pinned image (the pod sandbox image)', () => {
  const list = [img('pause', ['skiff/pause:1'], '2026-05-01T00:00:00Z', { 'io.skiff.pinned': 'true' }), img('other', ['x:1'], '2026-05-01T00:00:00Z')];
  assert.deepEqual(pruneSelection(list, { dangling: ['false'] }, () => false).map((i) => i.id as unknown as string), ['other']);
});
