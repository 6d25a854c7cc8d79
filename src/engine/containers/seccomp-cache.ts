// crun compiles a seccomp profile with libseccomp on every create (~15 ms here) and keeps the result in its
// state dir as seccomp.bpf; crun also accepts a compiled filter in the annotation run.oci.seccomp_bpf_data.
// So the first container with a given profile (capabilities and arch decide it) pays, later ones reuse it.
import { createHash } from 'node:crypto';
import { readFile, readdir, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../lib/atomic.ts';
import type { OciSeccomp } from './seccomp.ts';

export const bpfAnnotation = 'run.oci.seccomp_bpf_data';

export interface BpfCache {
  key(profile: OciSeccomp): string;
  get(key: string): string | undefined;
  /** keep what crun compiled for container `id` (read from its state dir) */
  learn(key: string, stateDir: string): Promise<void>;
}

export async function createBpfCache(dir: string): Promise<BpfCache> {
  const cache = new Map<string, string>();
  await mkdir(dir, { recursive: true });
  for (const f of await readdir(dir).catch(() => [] as string[])) {
    if (!f.endsWith('.bpf')) continue;
    const data = await readFile(join(dir, f)).catch(() => null);
    if (data?.length) cache.set(f.slice(0, -4), data.toString('base64'));
  }
  return {
    key: (profile) => createHash('sha256').update(JSON.stringify(profile)).digest('hex').slice(0, 32),
    get: (key) => cache.get(key),
    async learn(key, stateDir) {
      if (cache.has(key)) return;
      const data = await readFile(join(stateDir, 'seccomp.bpf')).catch(() => null);
      // a BPF program is a whole number of 8-byte instructions
      if (!data?.length || data.length % 8 !== 0) return;
      cache.set(key, data.toString('base64'));
      await writeFileAtomic(join(dir, `${key}.bpf`), data);
    },
  };
}
