// `skiff logs`: GET /containers/{id}/logs, demultiplexed unless the container has a TTY.
import { type Command, enc, frameDemuxer, CliError, parseDuration } from '../core.ts';

/** docker's GetTimestamp: a relative duration (`10m`), an RFC 3339 date, or unix seconds → unix seconds as a string. */
export function toTimestamp(value: string, now = Date.now()): string {
  if (/^\d+(\.\d+)?$/.test(value)) return value;
  try {
    const ms = now - parseDuration(value);
    return (ms / 1000).toFixed(9);
  } catch {
    // not a duration: a date
  }
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(t)) throw new CliError(`invalid value for "since"/"until": ${JSON.stringify(value)} is neither a duration, a date (RFC 3339) nor a unix timestamp`, 1);
  return (t / 1000).toFixed(9);
}

export const logs: Command = {
  usage: '[OPTIONS] CONTAINER',
  summary: 'Fetch the logs of a container',
  flags: [
    { name: 'details', type: 'bool', help: 'Show extra details provided to logs' },
    { name: 'follow', short: 'f', type: 'bool', help: 'Follow log output' },
    { name: 'since', type: 'string', help: 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
    { name: 'tail', short: 'n', type: 'string', help: 'Number of lines to show from the end of the logs', def: '"all"' },
    { name: 'timestamps', short: 't', type: 'bool', help: 'Show timestamps' },
    { name: 'until', type: 'string', help: 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
  ],
  args: { min: 1, max: 1 },
  async run(ctx, p) {
    const api = ctx.api();
    const info = await api.json<{ Id: string; Config: { Tty: boolean } }>('GET', `/containers/${enc(p.args[0])}/json`);
    const since = p.str('since');
    const until = p.str('until');
    const res = await api.request('GET', `/containers/${info.Id}/logs`, {
      query: {
        stdout: true,
        stderr: true,
        follow: p.bool('follow') || undefined,
        timestamps: p.bool('timestamps') || undefined,
        details: p.bool('details') || undefined,
        tail: p.str('tail') ?? 'all',
        since: since === undefined ? undefined : toTimestamp(since),
        until: until === undefined ? undefined : toTimestamp(until),
      },
    });
    const raw = info.Config.Tty || /raw-stream/.test(res.headers['content-type'] ?? '');
    const demux = frameDemuxer((stream, data) => (stream === 'stderr' ? process.stderr : process.stdout).write(data));
    // Ctrl-C on `logs -f` just ends the command, as docker's does
    process.once('SIGINT', () => process.exit(0));
    for await (const chunk of res.body) {
      if (raw) process.stdout.write(chunk as Buffer);
      else demux(chunk as Buffer);
    }
  },
};
