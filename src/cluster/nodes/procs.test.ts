// What `skiff down` takes off the host for a node's killed containers: the cgroups, a finished pod's too
// (its stopped sandbox left no container cgroup under the pod's). Real cgroup directories, unique names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { podCgroupParents, removeContainerLeftovers } from './procs.ts';

const v1 = !existsSync('/sys/fs/cgroup/cgroup.controllers');
const hierarchies = () => (v1 ? readdirSync('/sys/fs/cgroup').map((h) => `/sys/fs/cgroup/${h}`) : ['/sys/fs/cgroup']);

/** an engine root with one container record per [id, cgroupParent] */
function engineRoot(records: [string, string][]): string {
  const root = mkdtempSync('/var/tmp/skiff-procs-test-');
  for (const [id, parent] of records) {
    mkdirSync(join(root, 'containers', id), { recursive: true });
    writeFileSync(join(root, 'containers', id, 'config.json'), JSON.stringify({ id, host: { cgroupParent: parent } }));
  }
  return root;
}

test('down removes the empty cgroup of a finished pod (no container cgroup under it), and only pod cgroups', { skip: !existsSync('/sys/fs/cgroup') }, async () => {
  const finished = `kubepods/pod${randomUUID()}`;
  const running = `kubepods/pod${randomUUID()}`;
  const plain = `skiff-procs-test-${randomBytes(4).toString('hex')}`;
  const [sandbox, ctr, other] = [0, 1, 2].map(() => randomBytes(32).toString('hex'));
  const root = engineRoot([[sandbox, finished], [ctr, running], [other, plain]]);
  // the finished pod: only its pod cgroup (crun removed the containers' when they exited); the killed one:
  // a container cgroup under its pod's; a plain container's parent is no pod's and stays
  const made = [finished, running, `${running}/${ctr}`, plain];
  const dirs = (rel: string) => [v1 ? '/sys/fs/cgroup/pids' : '/sys/fs/cgroup', ...(v1 ? ['/sys/fs/cgroup/memory'] : [])].map((h) => join(h, rel));
  try {
    for (const rel of made) for (const d of dirs(rel)) mkdirSync(d, { recursive: true });
    assert.deepEqual(podCgroupParents(root).sort(), [finished, running].sort());
    await removeContainerLeftovers([sandbox, ctr, other], podCgroupParents(root));
    for (const rel of [finished, running, `${running}/${ctr}`]) for (const d of dirs(rel)) assert.ok(!existsSync(d), `${d} removed`);
    for (const d of dirs(plain)) assert.ok(existsSync(d), `${d} (no pod's) stays`);
  } finally {
    for (const rel of [...made].reverse()) for (const h of hierarchies()) try { rmdirSync(join(h, rel)); } catch { /* not made here, or removed by the test */ }
    rmSync(root, { recursive: true, force: true });
  }
});
