import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planService, type Existing } from './plan.ts';

const c = (number: number, o: Partial<Existing> = {}): Existing => ({ id: `id${number}`, name: `p-web-${number}`, number, hash: 'h1', imageId: 'sha256:a', running: true, ...o });
const kinds = (as: ReturnType<typeof planService>) => as.map((a) => `${a.kind}:${'number' in a ? a.number : 'old' in a ? a.old.number : a.container.number}`);

test('nothing exists: create up to scale, numbered from 1', () => {
  assert.deepEqual(kinds(planService({ hash: 'h1', imageId: 'sha256:a', scale: 2 }, [], 'diverged')), ['create:1', 'create:2']);
});

test('unchanged: running containers are left running, stopped ones started', () => {
  const plan = planService({ hash: 'h1', imageId: 'sha256:a', scale: 2 }, [c(1), c(2, { running: false })], 'diverged');
  assert.deepEqual(kinds(plan), ['running:1', 'start:2']);
});

test('a changed config hash or image id recreates; --no-recreate keeps; --force-recreate recreates anyway', () => {
  assert.deepEqual(kinds(planService({ hash: 'h2', imageId: 'sha256:a', scale: 1 }, [c(1)], 'diverged')), ['recreate:1']);
  assert.deepEqual(kinds(planService({ hash: 'h1', imageId: 'sha256:b', scale: 1 }, [c(1)], 'diverged')), ['recreate:1']);
  assert.deepEqual(kinds(planService({ hash: 'h2', imageId: 'sha256:b', scale: 1 }, [c(1)], 'never')), ['running:1']);
  assert.deepEqual(kinds(planService({ hash: 'h1', imageId: 'sha256:a', scale: 1 }, [c(1)], 'force')), ['recreate:1']);
});

test('scale down removes the highest numbers first; scale up continues after the highest', () => {
  assert.deepEqual(kinds(planService({ hash: 'h1', imageId: 'sha256:a', scale: 1 }, [c(3), c(1), c(2)], 'diverged')), ['remove:3', 'remove:2', 'running:1']);
  assert.deepEqual(kinds(planService({ hash: 'h1', imageId: 'sha256:a', scale: 3 }, [c(2)], 'diverged')), ['running:2', 'create:3', 'create:4']);
});

test('scale 0 removes everything', () => {
  assert.deepEqual(kinds(planService({ hash: 'h1', imageId: '', scale: 0 }, [c(1), c(2)], 'diverged')), ['remove:2', 'remove:1']);
});
