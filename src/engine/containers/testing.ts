// For tests only: the cgroups an engine's containers leave when their processes were killed behind the
// engine's back (a test's teardown), found by the records under its root: `<cgroupParent or skiff>/<id>`
// in every hierarchy, then the parents it made that are empty now (a pod's `kubepods/pod<uid>`).
import { readdir, readFile, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ContainerRecord } from '../types.ts';
import { cgroupPathOf } from './runtime.ts';

const cgroupRoot = '/sys/fs/cgroup';

/** Remove the cgroups of every container recorded under `engineRoot` (and their emptied parents but `skiff`). */
export async function sweepCgroups(engineRoot: string): Promise<void> {
  const base = join(engineRoot, 'containers');
  const paths = new Set<string>();
  for (const id of await readdir(base).catch(() => [] as string[])) {
    const rec = await readFile(join(base, id, 'config.json'), 'utf8').then((t) => JSON.parse(t) as ContainerRecord, () => null);
    if (rec?.spec?.host) paths.add(cgroupPathOf(rec));
  }
  const hierarchies = (await readdir(cgroupRoot, { withFileTypes: true }).catch(() => []))
    .filter((e) => e.isDirectory()).map((e) => join(cgroupRoot, e.name));
  const parents = new Set<string>();
  for (const p of paths) {
    for (let d = dirname(p); d !== '.' && d !== 'skiff'; d = dirname(d)) parents.add(d);
  }
  const deepestFirst = (a: string, b: string) => b.split('/').length - a.split('/').length;
  for (const p of [...paths, ...[...parents].sort(deepestFirst)]) {
    // busy (a process left) or shared with another engine's pods: not ours to force
    await Promise.all(hierarchies.map((h) => rmdir(join(h, p)).catch(() => {})));
  }
}
