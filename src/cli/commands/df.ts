// `skiff system df [-v]`: disk usage of images, containers, volumes and build cache, laid out as docker's.
import { type Command } from '../core.ts';
import { ago, decimalSize, ellipsis, shortId, tabulate } from '../format.ts';

interface DiskUsage {
  LayersSize?: number;
  Images?: Array<{ Id: string; RepoTags: string[] | null; Created: number; Size: number; SharedSize: number; Containers: number }>;
  Containers?: Array<{ Id: string; Names: string[]; Image: string; Command: string; Created: number; State: string; Status: string; SizeRw?: number; Mounts?: Array<{ Type: string }> }>;
  Volumes?: Array<{ Name: string; UsageData?: { Size: number; RefCount: number } }>;
  BuildCache?: BuildCacheRow[] | null;
}

interface BuildCacheRow {
  ID: string;
  Type: string;
  Size: number;
  CreatedAt: string;
  LastUsedAt?: string | null;
  UsageCount: number;
  InUse: boolean;
  Shared: boolean;
}

/** docker's builder size: what the cache holds on its own (shared records are counted elsewhere) */
const builderSize = (d: DiskUsage) => (d.BuildCache ?? []).filter((c) => !c.Shared).reduce((a, c) => a + c.Size, 0);

/** `0B (0%)`: what could be freed, and its share of the total (docker's formatter: sizes in the summary have 4 digits). */
const reclaim = (part: number, total: number) => `${decimalSize(part, 4)}${total > 0 ? ` (${Math.round((part * 100) / total)}%)` : ''}`;

function summary(d: DiskUsage): string {
  const images = d.Images ?? [];
  const containers = d.Containers ?? [];
  const volumes = d.Volumes ?? [];
  const imageTotal = d.LayersSize ?? images.reduce((a, i) => a + i.Size, 0);
  const imageUsed = images.filter((i) => i.Containers > 0).reduce((a, i) => a + i.Size - Math.max(0, i.SharedSize), 0);
  const ctrTotal = containers.reduce((a, c) => a + (c.SizeRw ?? 0), 0);
  const ctrIdle = containers.filter((c) => c.State !== 'running' && c.State !== 'paused').reduce((a, c) => a + (c.SizeRw ?? 0), 0);
  const volTotal = volumes.reduce((a, v) => a + Math.max(0, v.UsageData?.Size ?? 0), 0);
  const volIdle = volumes.filter((v) => (v.UsageData?.RefCount ?? 0) === 0).reduce((a, v) => a + Math.max(0, v.UsageData?.Size ?? 0), 0);
  return tabulate([
    ['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'],
    ['Images', String(images.length), String(images.filter((i) => i.Containers > 0).length), decimalSize(imageTotal, 4), reclaim(Math.max(0, imageTotal - imageUsed), imageTotal)],
    ['Containers', String(containers.length), String(containers.filter((c) => c.State === 'running' || c.State === 'paused').length), decimalSize(ctrTotal, 4), reclaim(ctrIdle, ctrTotal)],
    ['Local Volumes', String(volumes.length), String(volumes.filter((v) => (v.UsageData?.RefCount ?? 0) > 0).length), decimalSize(volTotal, 4), reclaim(volIdle, volTotal)],
    buildCacheRow(d),
  ], 10, 3);
}

function buildCacheRow(d: DiskUsage): string[] {
  const cache = d.BuildCache ?? [];
  const size = builderSize(d);
  const inUse = cache.filter((c) => c.InUse && !c.Shared).reduce((a, c) => a + c.Size, 0);
  return ['Build Cache', String(cache.length), String(cache.filter((c) => c.InUse).length), decimalSize(size, 4), decimalSize(size - inUse, 4)];
}

function verbose(d: DiskUsage): string {
  const images = (d.Images ?? []).flatMap((i) => (i.RepoTags?.length ? i.RepoTags : ['<none>:<none>']).map((t) => {
    const at = t.lastIndexOf(':');
    return [t.slice(0, at), t.slice(at + 1), shortId(i.Id), ago(i.Created), decimalSize(i.Size), decimalSize(Math.max(0, i.SharedSize), 4), decimalSize(i.Size - Math.max(0, i.SharedSize)), String(i.Containers)];
  }));
  const containers = (d.Containers ?? []).map((c) => [
    shortId(c.Id), c.Image, `"${ellipsis(c.Command, 20)}"`, String((c.Mounts ?? []).filter((m) => m.Type === 'volume').length),
    decimalSize(c.SizeRw ?? 0), ago(c.Created), c.Status, (c.Names ?? []).map((n) => n.replace(/^\//, '')).join(','),
  ]);
  const volumes = (d.Volumes ?? []).map((v) => [v.Name, String(v.UsageData?.RefCount ?? 0), decimalSize(Math.max(0, v.UsageData?.Size ?? 0))]);
  const cache = (d.BuildCache ?? []).map((c) => [
    `${shortId(c.ID)}${c.InUse ? '*' : ''}`, c.Type, decimalSize(c.Size), ago(c.CreatedAt), c.LastUsedAt ? ago(c.LastUsedAt) : '', String(c.UsageCount), String(c.Shared),
  ]);
  return `Images space usage:\n\n${tabulate([['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE', 'CONTAINERS'], ...images])}\n` +
    `Containers space usage:\n\n${tabulate([['CONTAINER ID', 'IMAGE', 'COMMAND', 'LOCAL VOLUMES', 'SIZE', 'CREATED', 'STATUS', 'NAMES'], ...containers])}\n` +
    `Local Volumes space usage:\n\n${tabulate([['VOLUME NAME', 'LINKS', 'SIZE'], ...volumes])}\n` +
    `Build cache usage: ${decimalSize(builderSize(d), 4)}\n\n${tabulate([['CACHE ID', 'CACHE TYPE', 'SIZE', 'CREATED', 'LAST USED', 'USAGE', 'SHARED'], ...cache])}`;
}

export const df: Command = {
  usage: '[OPTIONS]',
  summary: 'Show docker disk usage',
  flags: [
    { name: 'format', type: 'string', help: "Format output using a custom template: 'json' prints the usage as JSON" },
    { name: 'verbose', short: 'v', type: 'bool', help: 'Show detailed information on space usage' },
  ],
  args: { max: 0 },
  async run(ctx, p) {
    const d = await ctx.api().json<DiskUsage>('GET', '/system/df');
    if (p.str('format') === 'json') process.stdout.write(`${JSON.stringify(d)}\n`);
    else process.stdout.write(p.bool('verbose') ? verbose(d) : summary(d));
  },
};
