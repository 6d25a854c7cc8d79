import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createVolumeService } from './service.ts';
import type { EventSink } from '../types.ts';

test('volumes: create (named, anonymous, idempotent), records that survive a restart, in-use refusal, prune, events', async () => {
  const root = mkdtempSync(join(tmpdir(), 'skiff-vols-'));
  const users = new Map<string, string[]>();
  const events: string[] = [];
  const sink: EventSink = { emit: (type, action, actor) => void events.push(`${type} ${action} ${actor.id}`) };
  try {
    const vs = await createVolumeService({ root, usedBy: (n) => users.get(n) ?? [], events: sink });
    const a = await vs.create({ name: 'alpha', labels: { k: 'v' } });
    assert.equal(a.created, true);
    assert.equal(a.mountpoint, join(root, 'volumes', 'alpha', '_data'));
    assert.equal((await vs.create({ name: 'alpha' })).created, false, 'a second create answers the existing one');
    assert.equal((await vs.create({ name: 'alpha', driverOpts: { type: 'tmpfs' } })).created, false, 'whatever its options (docker\'s store looks first)');
    await assert.rejects(vs.create({ name: 'alpha', driver: 'nfs' }), /error looking up volume plugin nfs/);
    await assert.rejects(vs.create({ name: 'a:b' }), /create a:b: "a:b" includes invalid characters/);
    await assert.rejects(vs.create({ name: 'opts', driverOpts: { bogus: '1' } }), /create opts: invalid option: "bogus"/);
    const anon = await vs.create({});
    assert.match(anon.name, /^[0-9a-f]{64}$/);
    assert.deepEqual(anon.labels, { 'com.docker.volume.anonymous': '' });
    writeFileSync(join(anon.mountpoint, 'f'), Buffer.alloc(4096));
    assert.equal(await vs.size(anon.name), 4096);

    let fills = 0;
    const fill = async (dir: string) => { fills++; writeFileSync(join(dir, 'copied'), 'x'); return true; };
    await Promise.all([vs.populate('alpha', fill), vs.populate('alpha', fill)]);
    assert.equal(fills, 1, 'two starts at once fill it once');
    rmSync(join(a.mountpoint, 'copied'));
    await vs.populate('alpha', fill);
    assert.equal(fills, 1, 'emptied later, a populated volume is not filled again');
    assert.equal((await vs.inspect('alpha')).populated, true);

    const again = await createVolumeService({ root, usedBy: (n) => users.get(n) ?? [] });
    assert.deepEqual((await again.list()).map((v) => v.name).sort(), ['alpha', anon.name].sort());
    assert.deepEqual(JSON.parse(readFileSync(join(root, 'volumes', 'alpha', 'volume.json'), 'utf8')).labels, { k: 'v' });

    users.set('alpha', ['c1', 'c2']);
    await assert.rejects(vs.remove('alpha'), /^.*remove alpha: volume is in use - \[c1, c2\]$/);
    await assert.rejects(vs.remove('nope'), /get nope: no such volume/);
    await vs.remove('nope', { force: true });
    assert.deepEqual(await vs.prune(), { VolumesDeleted: [anon.name], SpaceReclaimed: 4096 });
    assert.deepEqual(await vs.prune({ all: ['true'] }), { VolumesDeleted: [], SpaceReclaimed: 0 }, 'alpha is in use');
    users.delete('alpha');
    assert.deepEqual(await vs.prune({ all: ['true'] }), { VolumesDeleted: ['alpha'], SpaceReclaimed: 0 });
    assert.ok(!existsSync(join(root, 'volumes', 'alpha')));
    assert.deepEqual(events, ['volume create alpha', `volume create ${anon.name}`, `volume destroy ${anon.name}`, 'volume destroy alpha']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
