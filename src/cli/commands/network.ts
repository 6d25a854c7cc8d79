// `skiff network ls|inspect|rm|prune|connect|disconnect` (create is in network-create.ts): the /networks
// routes of the Docker API, printed as docker CLI 28 prints them.
import { type Command, type Parsed, badValue, eachContainer, enc, ApiError, CliError, readAll } from '../core.ts';
import { formatRows, shortId, type Row, tableFormatHelp, jsonFormatHelp } from '../format.ts';
import { parseTemplate } from '../template.ts';
import { confirm } from './lifecycle.ts';
import { naturalCompare } from './port-spec.ts';
import { parseLink } from './network-opts.ts';

interface NetworkSummary {
  Id: string;
  Name: string;
  Driver: string;
  Scope: string;
  Created?: string;
  EnableIPv4?: boolean;
  EnableIPv6?: boolean;
  Internal?: boolean;
  Labels?: Record<string, string> | null;
}

const headers: Record<string, string> = {
  ID: 'NETWORK ID',
  Name: 'NAME',
  Driver: 'DRIVER',
  Scope: 'SCOPE',
  IPv4: 'IPV4',
  IPv6: 'IPV6',
  Internal: 'INTERNAL',
  Labels: 'LABELS',
  CreatedAt: 'CREATED AT',
};

/** Go's time.Time.String() for an RFC 3339 time: `2026-12-04 20:30:01.123456789 +0000 UTC`. */
export function goTimeString(rfc3339: string | undefined): string {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(rfc3339 ?? '');
  if (!m) {
    // an offset other than Z: shown in UTC (to the millisecond, what Date keeps)
    const d = new Date(rfc3339 ?? '');
    return rfc3339 && !Number.isNaN(d.getTime()) ? goTimeString(d.toISOString()) : '';
  }
  const frac = (m[3] ?? '').replace(/0+$/, '');
  return `${m[1]} ${m[2]}${frac ? `.${frac}` : ''} +0000 UTC`;
}

/** The row docker's network formatter exposes to templates. */
export function networkRow(n: NetworkSummary, trunc: boolean): Row {
  const labels = n.Labels ?? {};
  return {
    ID: trunc ? shortId(n.Id) : n.Id,
    Name: n.Name,
    Driver: n.Driver,
    Scope: n.Scope,
    IPv4: String(n.EnableIPv4 ?? true),
    IPv6: String(n.EnableIPv6 ?? false),
    Internal: String(n.Internal ?? false),
    Labels: Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(','),
    Label: (k: unknown) => labels[String(k)] ?? '',
    CreatedAt: goTimeString(n.Created),
  };
}

/** `--filter k=v`… → the `filters` query docker sends. */
function filtersQuery(p: Parsed): string | undefined {
  const filters: Record<string, Record<string, boolean>> = {};
  for (const f of p.list('filter')) {
    const eq = f.indexOf('=');
    if (eq < 0) throw new CliError(`bad format of filter (expected name=value)`, 125);
    (filters[f.slice(0, eq).trim().toLowerCase()] ??= {})[f.slice(eq + 1)] = true;
  }
  return Object.keys(filters).length ? JSON.stringify(filters) : undefined;
}

export const networkLs: Command = {
  usage: '[OPTIONS]',
  summary: 'List networks',
  flags: [
    { name: 'filter', short: 'f', type: 'list', value: 'filter', help: 'Provide filter values (e.g. "driver=bridge")' },
    { name: 'format', type: 'string', help: tableFormatHelp },
    { name: 'no-trunc', type: 'bool', help: 'Do not truncate the output' },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Only display network IDs' },
  ],
  args: { max: 0 },
  async run(ctx, p) {
    const list = await ctx.api().json<NetworkSummary[]>('GET', '/networks', { query: { filters: filtersQuery(p) } });
    list.sort((a, b) => naturalCompare(a.Name, b.Name));
    const trunc = !p.bool('no-trunc');
    if (p.bool('quiet')) {
      process.stdout.write(list.map((n) => `${trunc ? shortId(n.Id) : n.Id}\n`).join(''));
      return;
    }
    let format = p.str('format') ?? 'table';
    if (format === 'table') format = 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}';
    process.stdout.write(formatRows(list.map((n) => networkRow(n, trunc)), format, headers));
  },
};

export const networkInspect: Command = {
  usage: '[OPTIONS] NETWORK [NETWORK...]',
  summary: 'Display detailed information on one or more networks',
  flags: [
    { name: 'format', short: 'f', type: 'string', help: jsonFormatHelp },
    { name: 'verbose', short: 'v', type: 'bool', help: 'Verbose output for diagnostics' },
  ],
  args: { min: 1 },
  async run(ctx, p) {
    const found: unknown[] = [];
    const errors: string[] = [];
    for (const name of p.args) {
      try {
        found.push(await ctx.api().json('GET', `/networks/${enc(name)}`, { query: { verbose: p.bool('verbose') || undefined } }));
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        errors.push(err.message);
      }
    }
    const format = p.str('format');
    if (format === 'json') for (const n of found) process.stdout.write(`${JSON.stringify(n)}\n`);
    else if (format) {
      const t = parseTemplate(format);
      for (const n of found) process.stdout.write(`${t.execute(n)}\n`);
    } else process.stdout.write(`${found.length ? JSON.stringify(found, null, 4) : '[]'}\n`);
    for (const e of errors) process.stderr.write(`${e}\n`);
    return errors.length ? 1 : 0;
  },
};

export const networkRm: Command = {
  usage: 'NETWORK [NETWORK...]',
  summary: 'Remove one or more networks',
  flags: [{ name: 'force', short: 'f', type: 'bool', help: 'Do not error if the network does not exist' }],
  args: { min: 1 },
  async run(ctx, p) {
    const status = await eachContainer(p.args, async (name) => {
      try {
        await readAll((await ctx.api().request('DELETE', `/networks/${enc(name)}`)).body);
      } catch (err) {
        if (p.bool('force') && err instanceof ApiError && err.status === 404) return undefined;
        throw err;
      }
      return name;
    });
    // docker's network rm ends a partial failure with a bare status error, printed as this line
    if (status !== 0) process.stderr.write(`exit status ${status}\n`);
    return status;
  },
};

export const networkPrune: Command = {
  usage: '[OPTIONS]',
  summary: 'Remove all unused networks',
  flags: [
    { name: 'filter', type: 'list', value: 'filter', help: 'Provide filter values (e.g. "until=<timestamp>")' },
    { name: 'force', short: 'f', type: 'bool', help: 'Do not prompt for confirmation' },
  ],
  args: { max: 0 },
  async run(ctx, p) {
    const filters = filtersQuery(p);
    if (!p.bool('force') && !(await confirm('WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue?'))) return 0;
    const r = await ctx.api().json<{ NetworksDeleted: string[] | null }>('POST', '/networks/prune', { query: { filters } });
    const deleted = r.NetworksDeleted ?? [];
    if (deleted.length) process.stdout.write(`Deleted Networks:\n${deleted.join('\n')}\n\n`);
  },
};

/** `--link` values checked as docker does; a bad one is a flag error. */
function links(ctx: { path: string }, values: string[]): string[] {
  return values.map((v) => {
    try {
      return parseLink(v);
    } catch (err) {
      throw new CliError(`invalid argument "${v}" for "--link" flag: ${(err as Error).message}\nSee '${ctx.path} --help'.`, 125);
    }
  });
}

export const networkConnect: Command = {
  usage: '[OPTIONS] NETWORK CONTAINER',
  summary: 'Connect a container to a network',
  flags: [
    { name: 'alias', type: 'list', value: 'strings', help: 'Add network-scoped alias for the container' },
    { name: 'driver-opt', type: 'list', value: 'strings', help: 'driver options for the network' },
    { name: 'gw-priority', type: 'string', value: 'int', help: 'Highest gw-priority provides the default gateway. Accepts positive and negative values.' },
    { name: 'ip', type: 'string', help: 'IPv4 address (e.g., "172.30.100.104")' },
    { name: 'ip6', type: 'string', help: 'IPv6 address (e.g., "2001:db8::33")' },
    { name: 'link', type: 'list', help: 'Add link to another container' },
    { name: 'link-local-ip', type: 'list', value: 'strings', help: 'Add a link-local address for the container' },
  ],
  args: { min: 2, max: 2 },
  async run(ctx, p) {
    const [network, container] = p.args;
    const gw = p.str('gw-priority');
    if (gw !== undefined && !/^[+-]?\d+$/.test(gw)) throw badValue({ ...networkConnect, path: ctx.path }, 'gw-priority', gw, `strconv.ParseInt: parsing ${JSON.stringify(gw)}: invalid syntax`);
    const driverOpts: Record<string, string> = {};
    for (const o of p.list('driver-opt').flatMap((v) => v.split(','))) {
      const eq = o.indexOf('=');
      if (eq > 0) driverOpts[o.slice(0, eq).trim().toLowerCase()] = o.slice(eq + 1).trim();
    }
    const endpoint = {
      IPAMConfig: { IPv4Address: p.str('ip') ?? '', IPv6Address: p.str('ip6') ?? '', LinkLocalIPs: p.list('link-local-ip').flatMap((v) => v.split(',')) },
      Links: links(ctx, p.list('link')),
      Aliases: p.list('alias').flatMap((v) => v.split(',')),
      DriverOpts: Object.keys(driverOpts).length ? driverOpts : undefined,
      GwPriority: gw === undefined ? undefined : Number(gw),
    };
    await readAll((await ctx.api().request('POST', `/networks/${enc(network)}/connect`, { body: { Container: container, EndpointConfig: endpoint } })).body);
  },
};

export const networkDisconnect: Command = {
  usage: '[OPTIONS] NETWORK CONTAINER',
  summary: 'Disconnect a container from a network',
  flags: [{ name: 'force', short: 'f', type: 'bool', help: 'Force the container to disconnect from a network' }],
  args: { min: 2, max: 2 },
  async run(ctx, p) {
    const [network, container] = p.args;
    await readAll((await ctx.api().request('POST', `/networks/${enc(network)}/disconnect`, { body: { Container: container, Force: p.bool('force') } })).body);
  },
};
