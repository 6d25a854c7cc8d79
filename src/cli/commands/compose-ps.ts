// `skiff compose ps | images | top | config`: what the project has, as docker compose prints it.
import { CliError, enc } from '../core.ts';
import { ago, decimalSize, ellipsis, formatRows, goQuote, shortId, tabulate, type Row } from '../format.ts';
import { displayablePorts, type PortSummary } from './port-spec.ts';
import type { ComposeCommand } from './compose.ts';
import { containerNameOf, projectContainers, serviceOf, startOrder, type ContainerSummary } from '../../compose/ops/index.ts';
import { LABEL } from '../../compose/types.ts';

const psHeaders: Record<string, string> = {
  Name: 'NAME', Image: 'IMAGE', Command: 'COMMAND', Service: 'SERVICE', RunningFor: 'CREATED', Status: 'STATUS', Ports: 'PORTS',
  ID: 'CONTAINER ID', State: 'STATE', Project: 'PROJECT', CreatedAt: 'CREATED AT', Labels: 'LABELS',
};

function psRow(c: ContainerSummary, now: number): Row {
  const labels = c.Labels ?? {};
  const health = /\((healthy|unhealthy|health: starting)\)/.exec(c.Status)?.[1]?.replace('health: ', '') ?? '';
  return {
    ID: shortId(c.Id), Name: containerNameOf(c), Names: containerNameOf(c), Image: c.Image, Command: goQuote(ellipsis(c.Command, 20)),
    Project: labels[LABEL.project] ?? '', Service: serviceOf(c), RunningFor: ago(c.Created, now), CreatedAt: new Date(c.Created * 1000).toISOString(),
    State: c.State, Status: c.Status, Health: health, ExitCode: Number(/^Exited \((\d+)\)/.exec(c.Status)?.[1] ?? 0),
    Ports: displayablePorts(c.Ports as PortSummary[] | null | undefined), Labels: Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(','),
    Label: (k: unknown) => labels[String(k)] ?? '',
  };
}

export const ps: ComposeCommand = {
  usage: '[OPTIONS] [SERVICE...]',
  summary: 'List containers',
  flags: [
    { name: 'all', short: 'a', type: 'bool', help: 'Show all stopped containers (including those created by the run command)' },
    { name: 'format', type: 'string', help: 'Format output using a custom template:\n\'table\':            Print output in table format with column headers (default)\n\'table TEMPLATE\':   Print output in table format using the given Go template\n\'json\':             Print in JSON format\n\'TEMPLATE\':         Print output using the given Go template', def: '"table"' },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Only display IDs' },
    { name: 'services', type: 'bool', help: 'Display services' },
    { name: 'status', type: 'list', value: 'stringArray', help: 'Filter services by status. Values: [paused | restarting | removing | running | dead | created | exited]' },
  ],
  async run(c, p) {
    const project = await c.project({ allowNameOnly: true });
    const ops = c.ops();
    for (const n of p.args) if (!project.services[n] && !project.disabledServices[n]) throw new CliError(`no such service: ${n}`, 1);
    let list = await projectContainers(ops.api, project.name, { oneoff: p.bool('all') ? 'include' : 'exclude', services: p.args });
    const status = p.list('status');
    if (status.length) list = list.filter((x) => status.includes(x.State));
    else if (!p.bool('all')) list = list.filter((x) => x.State === 'running' || x.State === 'restarting' || x.State === 'paused');
    const order = new Map(startOrder(project).map((n, i) => [n, i]));
    list.sort((a, b) => containerNameOf(a).localeCompare(containerNameOf(b)));
    if (p.bool('services')) {
      const names = [...new Set(list.map(serviceOf))].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
      process.stdout.write(names.map((n) => `${n}\n`).join(''));
      return;
    }
    if (p.bool('quiet')) {
      process.stdout.write(list.map((x) => `${x.Id}\n`).join(''));
      return;
    }
    const now = Date.now();
    let format = p.str('format') ?? 'table';
    if (format === 'table') format = 'table {{.Name}}\t{{.Image}}\t{{.Command}}\t{{.Service}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}';
    const rows = list.map((x) => psRow(x, now));
    if (format === 'json') {
      process.stdout.write(rows.map(({ Label: _label, ...r }) => `${JSON.stringify(r)}\n`).join(''));
      return;
    }
    process.stdout.write(formatRows(rows, format, psHeaders));
  },
};

export const images: ComposeCommand = {
  usage: '[OPTIONS] [SERVICE...]',
  summary: 'List images used by the created containers',
  flags: [
    { name: 'format', type: 'string', help: 'Format the output. Values: [table | json]', def: '"table"' },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Only display IDs' },
  ],
  async run(c, p) {
    const project = await c.project({ allowNameOnly: true });
    const ops = c.ops();
    const list = (await projectContainers(ops.api, project.name, { oneoff: 'include', services: p.args })).sort((a, b) => containerNameOf(a).localeCompare(containerNameOf(b)));
    const rows: Array<{ container: string; repo: string; tag: string; id: string; size: number }> = [];
    for (const x of list) {
      const img = await ops.api.json<{ Id: string; RepoTags: string[] | null; Size: number }>('GET', `/images/${enc(x.ImageID)}/json`).catch(() => undefined);
      const tagged = (img?.RepoTags ?? []).find((t) => t === x.Image || t === `${x.Image}:latest`) ?? img?.RepoTags?.[0] ?? '<none>:<none>';
      const colon = tagged.lastIndexOf(':');
      rows.push({ container: containerNameOf(x), repo: tagged.slice(0, colon), tag: tagged.slice(colon + 1), id: x.ImageID, size: img?.Size ?? 0 });
    }
    if (p.bool('quiet')) {
      process.stdout.write([...new Set(rows.map((r) => r.id.replace(/^sha256:/, '')))].map((id) => `${id}\n`).join(''));
      return;
    }
    if (p.str('format') === 'json') {
      process.stdout.write(`${JSON.stringify(rows.map((r) => ({ ID: r.id, ContainerName: r.container, Repository: r.repo, Tag: r.tag, Size: r.size })))}\n`);
      return;
    }
    process.stdout.write(tabulate([['CONTAINER', 'REPOSITORY', 'TAG', 'IMAGE ID', 'SIZE'], ...rows.map((r) => [r.container, r.repo, r.tag, shortId(r.id), decimalSize(r.size)])], 10, 3));
  },
};

export const top: ComposeCommand = {
  usage: '[SERVICES...]',
  summary: 'Display the running processes',
  flags: [],
  async run(c, p) {
    const project = await c.project({ allowNameOnly: true });
    const ops = c.ops();
    const list = (await projectContainers(ops.api, project.name, { services: p.args })).filter((x) => x.State === 'running').sort((a, b) => containerNameOf(a).localeCompare(containerNameOf(b)));
    const parts: string[] = [];
    for (const x of list) {
      const r = await ops.api.json<{ Titles: string[]; Processes: string[][] | null }>('GET', `/containers/${x.Id}/top`);
      parts.push(`${containerNameOf(x)}\n${tabulate([r.Titles, ...(r.Processes ?? [])], 10, 3)}`);
    }
    process.stdout.write(parts.join('\n'));
  },
};

export const config: ComposeCommand = {
  usage: '[OPTIONS] [SERVICE...]',
  summary: 'Parse, resolve and render compose file in canonical format',
  flags: [
    { name: 'format', type: 'string', help: 'Format the output. Values: [yaml | json]', def: '"yaml"' },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Only validate the configuration, don\'t print anything' },
    { name: 'services', type: 'bool', help: 'Print the service names, one per line.' },
    { name: 'volumes', type: 'bool', help: 'Print the volume names, one per line.' },
  ],
  async run(c, p) {
    const format = p.str('format') ?? 'yaml';
    if (format !== 'yaml' && format !== 'json') throw new CliError(`unsupported format ${JSON.stringify(format)}`, 1);
    const project = await c.project({ services: p.args });
    if (p.bool('quiet')) return;
    if (p.bool('services')) {
      process.stdout.write(Object.keys(project.services).map((n) => `${n}\n`).join(''));
      return;
    }
    if (p.bool('volumes')) {
      process.stdout.write(Object.keys(project.volumes).map((n) => `${n}\n`).join(''));
      return;
    }
    const { renderConfig } = await import('../../compose/index.ts');
    const services = p.args;
    for (const n of services) if (!project.services[n]) throw new CliError(`no such service: ${n}`, 1);
    const shown = services.length ? { ...project, services: Object.fromEntries(services.map((n) => [n, project.services[n]])) } : project;
    process.stdout.write(renderConfig(shown, { format }));
  },
};
