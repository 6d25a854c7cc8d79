// secrets: and configs: as docker compose runs them without swarm — a file-based one is bind-mounted
// read-only into the container (secrets at /run/secrets/<name>, configs at /<name>, or the entry's target).
// Secrets and configs from the environment, inline content or external ones are refused by name.
import { posix } from 'node:path';
import type { Service } from '../types.ts';
import { keyError } from './errors.ts';
import { isMapping } from './interpolate.ts';
import { serviceDict } from './render.ts';
import { hostPath, type PathContext } from './volumes.ts';

type Dict = Record<string, unknown>;

const kinds = { secrets: { singular: 'secret', dir: '/run/secrets' }, configs: { singular: 'config', dir: '/' } } as const;

/** The active services' secrets and configs as read-only bind mounts (Service.volumes, Service.raw updated) */
export function mountFileRefs(services: Record<string, Service>, merged: Dict, ctx: PathContext, fileOf: (s: string, k: string) => string | undefined): void {
  for (const [name, s] of Object.entries(services)) {
    const raw = (merged.services as Dict)[name] as Dict;
    let changed = false;
    for (const kind of ['secrets', 'configs'] as const) {
      const declared = isMapping(merged[kind]) ? merged[kind] : {};
      const { singular, dir } = kinds[kind];
      (Array.isArray(raw[kind]) ? raw[kind] : []).forEach((entry: unknown, i: number) => {
        const ref = isMapping(entry) ? entry : { source: entry };
        const source = String(ref.source);
        const fail = (message: string): never => {
          throw keyError(fileOf(name, kind), `services.${name}.${kind}[${i}]`, message);
        };
        const def = declared[source];
        if (!isMapping(def)) return fail(`service "${name}" refers to undefined ${singular} ${source}: declare it under the top-level ${kind}:`);
        if (typeof def.file !== 'string') {
          const from = def.environment !== undefined ? 'environment' : def.content !== undefined ? 'content' : 'external';
          return fail(`${singular} ${source}: only file-based ${kind} are supported by skiff (this one is ${from})`);
        }
        const target = ref.target === undefined ? posix.join(dir, source) : posix.resolve(dir, String(ref.target));
        s.volumes.push({ type: 'bind', source: hostPath(def.file, ctx), target, readOnly: true, bind: { propagation: undefined, createHostPath: false } });
        changed = true;
      });
    }
    if (changed) s.raw = serviceDict(s, raw);
  }
}
