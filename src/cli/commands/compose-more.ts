// `skiff compose ls | kill | pause | unpause | port | version`: the smaller commands of docker compose.
import { type Client, type Parsed, CliError, enc } from '../core.ts';
import { tabulate } from '../format.ts';
import { VERSION } from '../version.ts';
import type { ComposeCommand } from './compose.ts';
import { containerNameOf, numberOf, projectContainers, type ContainerSummary } from '../../compose/ops/index.ts';
import { LABEL } from '../../compose/types.ts';

export const ls: ComposeCommand = {
  usage: '[OPTIONS]',
  summary: 'List running compose projects',
  flags: [
    { name: 'all', short: 'a', type: 'bool', help: 'Show all stopped Compose projects' },
    { name: 'format', type: 'string', help: 'Format the output. Values: [table | json]', def: '"table"' },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Only display project names' },
  ],
  args: { max: 0 },
  async run(c, p) {
    const list = await c.ctx.api().json<ContainerSummary[]>('GET', '/containers/json', { query: { all: true, filters: JSON.stringify({ label: [LABEL.project] }) } });
    const projects = new Map<string, { states: Map<string, number>; files: string }>();
    for (const x of list) {
      const name = x.Labels?.[LABEL.project] ?? '';
      const entry = projects.get(name) ?? { states: new Map(), files: x.Labels?.[LABEL.configFiles] ?? '' };
      entry.states.set(x.State, (entry.states.get(x.State) ?? 0) + 1);
      projects.set(name, entry);
    }
    const rows = [...projects.entries()]
      .filter(([, e]) => p.bool('all') || e.states.has('running'))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, e]) => ({ Name: name, Status: [...e.states.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([s, n]) => `${s}(${n})`).join(', '), ConfigFiles: e.files }));
    if (p.bool('quiet')) process.stdout.write(rows.map((r) => `${r.Name}\n`).join(''));
    else if (p.str('format') === 'json') process.stdout.write(`${JSON.stringify(rows)}\n`);
    else process.stdout.write(tabulate([['NAME', 'STATUS', 'CONFIG FILES'], ...rows.map((r) => [r.Name, r.Status, r.ConfigFiles])], 10, 3));
  },
};

/** A per-container action over the chosen services' containers, with docker compose's two lines each. */
function eachContainer(summary: string, doing: string, done: string, act: (api: Client, x: ContainerSummary, p: Parsed) => Promise<unknown>, keep: (x: ContainerSummary) => boolean, flags: ComposeCommand['flags'] = []): ComposeCommand {
  return {
    usage: '[OPTIONS] [SERVICE...]',
    summary,
    flags,
    async run(c, p) {
      const project = await c.project({ allowNameOnly: true });
      for (const n of p.args) if (!project.services[n] && !project.disabledServices[n]) throw new CliError(`no such service: ${n}`, 1);
      const api = c.ctx.api();
      const ops = c.ops();
      for (const x of (await projectContainers(api, project.name, { services: p.args })).filter(keep)) {
        ops.progress.write(` Container ${containerNameOf(x)}  ${doing}\n`);
        await act(api, x, p);
        ops.progress.write(` Container ${containerNameOf(x)}  ${done}\n`);
      }
    },
  };
}

export const kill = eachContainer('Force stop service containers', 'Killing', 'Killed',
  (api, x, p) => api.json('POST', `/containers/${x.Id}/kill`, { query: { signal: p.str('signal') ?? 'SIGKILL' } }),
  (x) => x.State === 'running' || x.State === 'restarting' || x.State === 'paused',
  [{ name: 'signal', short: 's', type: 'string', help: 'SIGNAL to send to the container', def: '"SIGKILL"' }]);

export const pause = eachContainer('Pause services', 'Pausing', 'Paused', (api, x) => api.json('POST', `/containers/${x.Id}/pause`), (x) => x.State === 'running');

export const unpause = eachContainer('Unpause services', 'Unpausing', 'Unpaused', (api, x) => api.json('POST', `/containers/${x.Id}/unpause`), (x) => x.State === 'paused');

export const port: ComposeCommand = {
  usage: '[OPTIONS] SERVICE PRIVATE_PORT',
  summary: 'Print the public port for a port binding',
  flags: [
    { name: 'index', type: 'string', value: 'int', help: 'Index of the container if service has multiple replicas', def: '1' },
    { name: 'protocol', type: 'string', help: 'tcp or udp', def: '"tcp"' },
  ],
  args: { min: 2, max: 2 },
  async run(c, p) {
    const [service, privatePort] = p.args;
    const project = await c.project();
    if (!project.services[service]) throw new CliError(`no such service: ${service}`, 1);
    const index = Number(p.str('index') ?? '1');
    const x = (await projectContainers(c.ctx.api(), project.name, { services: [service] })).find((y) => numberOf(y) === index);
    if (!x) throw new CliError(`service "${service}" is not running container #${index}`, 1);
    const info = await c.ctx.api().json<{ NetworkSettings: { Ports: Record<string, Array<{ HostIp: string; HostPort: string }> | null> | null } }>('GET', `/containers/${enc(x.Id)}/json`);
    const key = `${privatePort}/${p.str('protocol') ?? 'tcp'}`;
    const binding = info.NetworkSettings.Ports?.[key]?.[0];
    if (!binding) throw new CliError(`no port ${key} for container ${containerNameOf(x)}: ${key}`, 1);
    process.stdout.write(`${binding.HostIp || '0.0.0.0'}:${binding.HostPort}\n`);
  },
};

export const version: ComposeCommand = {
  usage: '[OPTIONS]',
  summary: 'Show the skiff compose version information',
  flags: [
    { name: 'format', short: 'f', type: 'string', help: 'Format the output. Values: [pretty | json]', def: '"pretty"' },
    { name: 'short', type: 'bool', help: 'Shows only the version number.' },
  ],
  args: { max: 0 },
  async run(_c, p) {
    if (p.bool('short')) process.stdout.write(`${VERSION}\n`);
    else if (p.str('format') === 'json') process.stdout.write(`${JSON.stringify({ version: VERSION })}\n`);
    else process.stdout.write(`skiff compose version ${VERSION}\n`);
  },
};
