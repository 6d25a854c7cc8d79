// `skiff volume create|ls|inspect|rm|prune`: docker's volume verbs over /volumes.
import { type Command, type Parsed, enc, eachContainer, readAll, CliError } from '../core.ts';
import { decimalSize, formatRows, type Row, tableFormatHelp, jsonFormatHelp } from '../format.ts';
import { confirm } from './lifecycle.ts';
import { inspectAll } from './inspect.ts';

interface Volume {
  Name: string;
  Driver: string;
  Mountpoint: string;
  Scope: string;
  Labels: Record<string, string> | null;
  Options: Record<string, string> | null;
  CreatedAt: string;
}

const headers: Record<string, string> = { Driver: 'DRIVER', Name: 'VOLUME NAME', Scope: 'SCOPE', Mountpoint: 'MOUNTPOINT', Labels: 'LABELS', Size: 'SIZE', Links: 'LINKS' };

/** `k=v` flags into a map (`--opt`, `--label`; a bare key means an empty value). */
function pairs(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    out[eq < 0 ? v : v.slice(0, eq)] = eq < 0 ? '' : v.slice(eq + 1);
  }
  return out;
}

function filters(p: Parsed): string | undefined {
  const out: Record<string, string[]> = {};
  for (const f of p.list('filter')) {
    const eq = f.indexOf('=');
    if (eq < 0) throw new CliError(`bad format of filter (expected name=value)`, 125);
    (out[f.slice(0, eq)] ??= []).push(f.slice(eq + 1));
  }
  return Object.keys(out).length ? JSON.stringify(out) : undefined;
}

export const volumeCreate: Command = {
  usage: '[OPTIONS] [VOLUME]',
  summary: 'Create a volume',
  flags: [
    { name: 'driver', short: 'd', type: 'string', help: 'Specify volume driver name', def: '"local"' },
    { name: 'label', type: 'list', help: 'Set metadata for a volume' },
    { name: 'name', type: 'string', help: 'Specify volume name' },
    { name: 'opt', short: 'o', type: 'list', value: 'map', help: 'Set driver specific options' },
  ],
  args: { max: 1 },
  async run(ctx, p) {
    const flagName = p.str('name');
    const [argName] = p.args;
    if (flagName && argName && flagName !== argName) throw new CliError(`conflicting options: cannot specify a volume-name through both --name and as a positional arg`, 1);
    const v = await ctx.api().json<Volume>('POST', '/volumes/create', {
      body: { Name: argName ?? flagName ?? '', Driver: p.str('driver') ?? 'local', DriverOpts: pairs(p.list('opt')), Labels: pairs(p.list('label')) },
    });
    process.stdout.write(`${v.Name}\n`);
  },
};

export const volumeLs: Command = {
  usage: '[OPTIONS]',
  summary: 'List volumes',
  flags: [
    { name: 'filter', short: 'f', type: 'list', value: 'filter', help: "Provide filter values (e.g. 'dangling=true')" },
    { name: 'format', type: 'string', help: tableFormatHelp },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Only display volume names' },
  ],
  args: { max: 0 },
  async run(ctx, p) {
    const r = await ctx.api().json<{ Volumes: Volume[] | null }>('GET', '/volumes', { query: { filters: filters(p) } });
    const list = (r.Volumes ?? []).sort((a, b) => a.Name.localeCompare(b.Name));
    if (p.bool('quiet')) {
      process.stdout.write(list.map((v) => `${v.Name}\n`).join(''));
      return;
    }
    const rows: Row[] = list.map((v) => ({
      Driver: v.Driver, Name: v.Name, Scope: v.Scope, Mountpoint: v.Mountpoint, Links: 'N/A', Size: 'N/A',
      Labels: Object.entries(v.Labels ?? {}).map(([k, val]) => `${k}=${val}`).join(','),
    }));
    let format = p.str('format') ?? 'table';
    if (format === 'table') format = 'table {{.Driver}}\t{{.Name}}';
    process.stdout.write(formatRows(rows, format, headers));
  },
};

export const volumeInspect: Command = {
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  summary: 'Display detailed information on one or more volumes',
  flags: [{ name: 'format', short: 'f', type: 'string', help: jsonFormatHelp }],
  args: { min: 1 },
  run: (ctx, p) => inspectAll(ctx, p, 'volume'),
};

export const volumeRm: Command = {
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  summary: 'Remove one or more volumes',
  flags: [{ name: 'force', short: 'f', type: 'bool', help: 'Force the removal of one or more volumes' }],
  args: { min: 1 },
  run: (ctx, p) =>
    eachContainer(p.args, async (name) => {
      const res = await ctx.api().request('DELETE', `/volumes/${enc(name)}`, { query: { force: p.bool('force') || undefined } });
      await readAll(res.body);
      return name;
    }),
};

export const volumePrune: Command = {
  usage: '[OPTIONS]',
  summary: 'Remove unused local volumes',
  flags: [
    { name: 'all', short: 'a', type: 'bool', help: 'Remove all unused volumes, not just anonymous ones' },
    { name: 'filter', type: 'list', value: 'filter', help: "Provide filter values (e.g. 'label=<label>')" },
    { name: 'force', short: 'f', type: 'bool', help: 'Do not prompt for confirmation' },
  ],
  args: { max: 0 },
  async run(ctx, p) {
    const all = p.bool('all');
    const warning = all
      ? 'WARNING! This will remove all local volumes not used by at least one container.'
      : 'WARNING! This will remove anonymous local volumes not used by at least one container.';
    if (!p.bool('force') && !(await confirm(`${warning}\nAre you sure you want to continue?`))) return 0;
    const f = JSON.parse(filters(p) ?? '{}') as Record<string, string[]>;
    if (all) f.all = ['true'];
    const r = await ctx.api().json<{ VolumesDeleted: string[] | null; SpaceReclaimed: number }>('POST', '/volumes/prune', {
      query: { filters: Object.keys(f).length ? JSON.stringify(f) : undefined },
    });
    const deleted = r.VolumesDeleted ?? [];
    if (deleted.length) process.stdout.write(`Deleted Volumes:\n${deleted.join('\n')}\n\n`);
    process.stdout.write(`Total reclaimed space: ${decimalSize(r.SpaceReclaimed ?? 0)}\n`);
  },
};
