// `skiff builder prune` (the build cache) and `skiff system prune` (stopped containers, unused networks,
// dangling images, optionally volumes, and the build cache), worded and laid out as docker's.
import { type Command, type Parsed, CliError } from '../core.ts';
import type { Client } from '../http.ts';
import { decimalSize } from '../format.ts';
import { confirm } from './lifecycle.ts';

/** `--filter k=v`, repeated, as the filters query value */
function filterMap(p: Parsed): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const f of p.list('filter')) {
    const eq = f.indexOf('=');
    if (eq < 0) throw new CliError('bad format of filter (expected name=value)', 125);
    (out[f.slice(0, eq)] ??= []).push(f.slice(eq + 1));
  }
  return out;
}

const filtersQuery = (f: Record<string, string[]>) => (Object.keys(f).length ? JSON.stringify(f) : undefined);

interface Pruned {
  space: number;
  /** the section docker prints (`Deleted …:` and one line each), '' when nothing went */
  output: string;
}

const section = (title: string, lines: string[]) => (lines.length ? `${title}:\n${lines.join('\n')}\n` : '');

async function pruneBuildCache(api: Client, all: boolean, filters: Record<string, string[]>): Promise<Pruned> {
  const r = await api.json<{ CachesDeleted: string[] | null; SpaceReclaimed: number }>('POST', '/build/prune', {
    query: { all: all || undefined, filters: filtersQuery(filters) },
  });
  return { space: r.SpaceReclaimed ?? 0, output: section('Deleted build cache objects', r.CachesDeleted ?? []) };
}

export const builderPrune: Command = {
  usage: '[OPTIONS]',
  summary: 'Remove build cache',
  flags: [
    { name: 'all', short: 'a', type: 'bool', help: 'Remove all unused build cache, not just dangling ones' },
    { name: 'filter', type: 'list', value: 'filter', help: 'Provide filter values (e.g. "until=24h")' },
    { name: 'force', short: 'f', type: 'bool', help: 'Do not prompt for confirmation' },
  ],
  args: { max: 0 },
  async run(ctx, p) {
    const all = p.bool('all');
    const filters = filterMap(p);
    const warning = all ? 'WARNING! This will remove all build cache.' : 'WARNING! This will remove all dangling build cache.';
    if (!p.bool('force') && !(await confirm(`${warning} Are you sure you want to continue?`))) return 0;
    const r = await pruneBuildCache(ctx.api(), all, filters);
    process.stdout.write(`${r.output}\nTotal reclaimed space: ${decimalSize(r.space)}\n`);
  },
};

async function pruneContainers(api: Client, filters: Record<string, string[]>): Promise<Pruned> {
  const r = await api.json<{ ContainersDeleted: string[] | null; SpaceReclaimed: number }>('POST', '/containers/prune', { query: { filters: filtersQuery(filters) } });
  return { space: r.SpaceReclaimed ?? 0, output: section('Deleted Containers', r.ContainersDeleted ?? []) };
}

async function pruneNetworks(api: Client, filters: Record<string, string[]>): Promise<Pruned> {
  const r = await api.json<{ NetworksDeleted: string[] | null }>('POST', '/networks/prune', { query: { filters: filtersQuery(filters) } });
  return { space: 0, output: section('Deleted Networks', r.NetworksDeleted ?? []) };
}

async function pruneVolumes(api: Client, filters: Record<string, string[]>): Promise<Pruned> {
  const r = await api.json<{ VolumesDeleted: string[] | null; SpaceReclaimed: number }>('POST', '/volumes/prune', { query: { filters: filtersQuery(filters) } });
  return { space: r.SpaceReclaimed ?? 0, output: section('Deleted Volumes', r.VolumesDeleted ?? []) };
}

async function pruneImages(api: Client, all: boolean, filters: Record<string, string[]>): Promise<Pruned> {
  const r = await api.json<{ ImagesDeleted: Array<{ Untagged?: string; Deleted?: string }> | null; SpaceReclaimed: number }>('POST', '/images/prune', {
    query: { filters: filtersQuery({ ...filters, dangling: [String(!all)] }) },
  });
  const lines = (r.ImagesDeleted ?? []).map((d) => (d.Untagged ? `untagged: ${d.Untagged}` : `deleted: ${d.Deleted}`));
  return { space: r.SpaceReclaimed ?? 0, output: section('Deleted Images', lines) };
}

export const systemPrune: Command = {
  usage: '[OPTIONS]',
  summary: 'Remove unused data',
  flags: [
    { name: 'all', short: 'a', type: 'bool', help: 'Remove all unused images not just dangling ones' },
    { name: 'filter', type: 'list', value: 'filter', help: 'Provide filter values (e.g. "label=<key>=<value>")' },
    { name: 'force', short: 'f', type: 'bool', help: 'Do not prompt for confirmation' },
    { name: 'volumes', type: 'bool', help: 'Prune anonymous volumes' },
  ],
  args: { max: 0 },
  async run(ctx, p) {
    const all = p.bool('all');
    const volumes = p.bool('volumes');
    const filters = filterMap(p);
    const items = [
      'all stopped containers',
      'all networks not used by at least one container',
      ...(volumes ? ['all anonymous volumes not used by at least one container'] : []),
      all ? 'all images without at least one container associated to them' : 'all dangling images',
      all ? 'all build cache' : 'unused build cache',
    ];
    const warning = `WARNING! This will remove:\n${items.map((i) => `  - ${i}\n`).join('')}\nAre you sure you want to continue?`;
    if (!p.bool('force') && !(await confirm(warning))) return 0;
    const api = ctx.api();
    const steps: Array<() => Promise<Pruned>> = [
      () => pruneContainers(api, filters),
      () => pruneNetworks(api, filters),
      ...(volumes ? [() => pruneVolumes(api, filters)] : []),
      () => pruneImages(api, all, filters),
      () => pruneBuildCache(api, all, filters),
    ];
    let space = 0;
    for (const step of steps) {
      const r = await step();
      space += r.space;
      if (r.output) process.stdout.write(`${r.output}\n`);
    }
    process.stdout.write(`Total reclaimed space: ${decimalSize(space)}\n`);
  },
};
