// `skiff compose logs`: every container's output, each line prefixed with its short name (`web-1  | `),
// the prefix coloured per container on a terminal; -f follows them all until Ctrl-C.
import { CliError } from '../core.ts';
import { toTimestamp } from './logs.ts';
import type { ComposeCommand } from './compose.ts';
import { prefixer, projectContainers, shortName, streamLogs } from '../../compose/ops/index.ts';

export const logs: ComposeCommand = {
  usage: '[OPTIONS] [SERVICE...]',
  summary: 'View output from containers',
  flags: [
    { name: 'follow', short: 'f', type: 'bool', help: 'Follow log output' },
    { name: 'no-color', type: 'bool', help: 'Produce monochrome output' },
    { name: 'no-log-prefix', type: 'bool', help: "Don't print prefix in logs" },
    { name: 'since', type: 'string', help: 'Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)' },
    { name: 'tail', short: 'n', type: 'string', help: 'Number of lines to show from the end of the logs for each container', def: '"all"' },
    { name: 'timestamps', short: 't', type: 'bool', help: 'Show timestamps' },
    { name: 'until', type: 'string', help: 'Show logs before a timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)' },
  ],
  async run(c, p) {
    const project = await c.project({ allowNameOnly: true });
    for (const n of p.args) if (!project.services[n] && !project.disabledServices[n]) throw new CliError(`no such service: ${n}`, 1);
    const ops = c.ops();
    const list = (await projectContainers(ops.api, project.name, { services: p.args })).sort((a, b) => shortName(a).localeCompare(shortName(b)));
    const color = !p.bool('no-color') && Boolean(process.stdout.isTTY);
    const pre = prefixer(list.map(shortName), color);
    const since = p.str('since');
    const until = p.str('until');
    const o = {
      follow: p.bool('follow'), tail: p.str('tail') ?? 'all', timestamps: p.bool('timestamps'), prefix: !p.bool('no-log-prefix'),
      since: since === undefined ? undefined : toTimestamp(since), until: until === undefined ? undefined : toTimestamp(until),
    };
    // Ctrl-C on `logs -f` just ends the command, as docker compose's does
    process.once('SIGINT', () => process.exit(0));
    await Promise.all(list.map((x) => streamLogs(ops, x, pre, o)));
  },
};
