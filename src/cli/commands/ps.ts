// `skiff ps`: GET /containers/json, printed as docker's table (or --format / -q).
import { type Command, CliError } from '../core.ts';
import { ago, ellipsis, formatRows, goQuote, shortId, decimalSize, type Row, tableFormatHelp } from '../format.ts';
import { displayablePorts, type PortSummary } from './port-spec.ts';

export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID?: string;
  Command: string;
  Created: number;
  Ports?: PortSummary[] | null;
  Labels?: Record<string, string> | null;
  State: string | { Status?: string };
  Status?: string;
  SizeRw?: number;
  SizeRootFs?: number;
  Mounts?: Array<{ Name?: string; Source?: string }>;
  NetworkSettings?: { Networks?: Record<string, unknown> };
  HostConfig?: { NetworkMode?: string };
}

const headers: Record<string, string> = {
  ID: 'CONTAINER ID',
  Image: 'IMAGE',
  Command: 'COMMAND',
  CreatedAt: 'CREATED AT',
  RunningFor: 'CREATED',
  Ports: 'PORTS',
  State: 'STATE',
  Status: 'STATUS',
  Size: 'SIZE',
  Names: 'NAMES',
  Labels: 'LABELS',
  Mounts: 'MOUNTS',
  Networks: 'NETWORKS',
  LocalVolumes: 'LOCAL VOLUMES',
};

/** docker's createdAt: `2026-11-23 19:06:17 +0000 UTC` */
export function goTime(unixSeconds: number): string {
  return `${new Date(unixSeconds * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '')} +0000 UTC`;
}

/** The row docker's ps formatter exposes to templates. */
export function psRow(c: ContainerSummary, trunc: boolean, now = Date.now()): Row {
  const names = c.Names.map((n) => n.replace(/^\//, '')).filter((n) => !trunc || !n.includes('/'));
  let image = c.Image;
  if (trunc) image = image.startsWith('sha256:') ? shortId(image) : image.replace(/@sha256:[0-9a-f]+$/, '');
  const state = typeof c.State === 'string' ? c.State : (c.State?.Status ?? '');
  const labels = c.Labels ?? {};
  return {
    ID: trunc ? shortId(c.Id) : c.Id,
    Image: image,
    Command: goQuote(trunc ? ellipsis(c.Command, 20) : c.Command),
    CreatedAt: goTime(c.Created),
    RunningFor: ago(c.Created, now),
    Ports: displayablePorts(c.Ports),
    State: state,
    Status: c.Status ?? statusFromState(state),
    Size: c.SizeRw !== undefined ? `${decimalSize(c.SizeRw)} (virtual ${decimalSize(c.SizeRootFs ?? 0)})` : '0B',
    Names: names.join(','),
    Labels: Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(','),
    Label: (k: unknown) => labels[String(k)] ?? '',
    Mounts: (c.Mounts ?? []).map((m) => m.Name ?? m.Source ?? '').join(','),
    Networks: Object.keys(c.NetworkSettings?.Networks ?? {}).join(',') || (c.HostConfig?.NetworkMode ?? ''),
    LocalVolumes: '0',
    // docker 28's ImageManifestDescriptor platform; skiff's images carry none
    Platform: null,
  };
}

function statusFromState(state: string): string {
  return state ? state[0].toUpperCase() + state.slice(1) : '';
}

export const ps: Command = {
  usage: '[OPTIONS]',
  summary: 'List containers',
  flags: [
    { name: 'all', short: 'a', type: 'bool', help: 'Show all containers (default shows just running)' },
    { name: 'filter', short: 'f', type: 'list', value: 'filter', help: 'Filter output based on conditions provided' },
    { name: 'format', type: 'string', help: tableFormatHelp },
    { name: 'last', short: 'n', type: 'string', value: 'int', help: 'Show n last created containers (includes all states)', def: '-1' },
    { name: 'latest', short: 'l', type: 'bool', help: 'Show the latest created container (includes all states)' },
    { name: 'no-trunc', type: 'bool', help: "Don't truncate output" },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Only display container IDs' },
    { name: 'size', short: 's', type: 'bool', help: 'Display total file sizes' },
  ],
  args: { max: 0 },
  async run(ctx, p) {
    const last = p.str('last');
    if (last !== undefined && !/^-?\d+$/.test(last)) throw new CliError(`invalid argument "${last}" for "-n, --last" flag: strconv.ParseInt: parsing "${last}": invalid syntax\nSee '${ctx.path} --help'.`, 125);
    const limit = p.bool('latest') ? 1 : last !== undefined && Number(last) > 0 ? Number(last) : undefined;
    const filters: Record<string, string[]> = {};
    for (const f of p.list('filter')) {
      const eq = f.indexOf('=');
      if (eq < 0) throw new CliError(`bad format of filter (expected name=value)`, 125);
      (filters[f.slice(0, eq)] ??= []).push(f.slice(eq + 1));
    }
    const list = await ctx.api().json<ContainerSummary[]>('GET', '/containers/json', {
      query: {
        all: p.bool('all') || limit !== undefined || undefined,
        limit,
        size: p.bool('size') || undefined,
        filters: Object.keys(filters).length ? JSON.stringify(filters) : undefined,
      },
    });
    const trunc = !p.bool('no-trunc');
    if (p.bool('quiet')) {
      process.stdout.write(list.map((c) => `${trunc ? shortId(c.Id) : c.Id}\n`).join(''));
      return;
    }
    const now = Date.now();
    const rows = list.map((c) => psRow(c, trunc, now));
    let format = p.str('format') ?? 'table';
    if (format === 'table') format = `table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}${p.bool('size') ? '\t{{.Size}}' : ''}`;
    process.stdout.write(formatRows(rows, format, headers));
  },
};
