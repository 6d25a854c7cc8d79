// `skiff events`: the engine's event stream as docker prints it (`TIME TYPE ACTION ID (k=v, …)`), or
// through --format; --since/--until take what docker's do (durations back from now, dates, unix times).
import { jsonFormatHelp } from '../format.ts';
import { CliError, type Command } from '../core.ts';
import { parseTemplate } from '../template.ts';

interface Message {
  status?: string;
  id?: string;
  from?: string;
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes?: Record<string, string> };
  scope: string;
  time: number;
  timeNano: number;
}

const goDuration = /^(\d+(\.\d+)?(ns|us|\u00b5s|ms|s|m|h))+$/;
const durationMs: Record<string, number> = { ns: 1e-6, us: 1e-3, '\u00b5s': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * docker's GetTimestamp: a duration means that long before now; dates and times become
 * `seconds.nanoseconds`; anything else passes as a unix timestamp.
 */
export function eventTimestamp(value: string, now = Date.now()): string {
  if (value !== '0' && goDuration.test(value)) {
    let ms = 0;
    for (const m of value.matchAll(/(\d+(?:\.\d+)?)(ns|us|\u00b5s|ms|s|m|h)/g)) ms += Number(m[1]) * durationMs[m[2]];
    return String(Math.floor((now - ms) / 1000));
  }
  if (/^\d+(\.\d+)?$/.test(value)) return value;
  // a date without a zone is local time, as docker reads it
  const local = !/[zZ+]/.test(value) && (value.match(/-/g) ?? []).length !== 3;
  const text = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00` : value;
  const ms = Date.parse(local ? text : text.replace(/^(\d{4}-\d{2}-\d{2})[ ]/, '$1T'));
  if (Number.isNaN(ms)) throw new CliError(`failed to parse value as time or duration: "${value}"`, 125);
  const frac = /\.(\d+)/.exec(value)?.[1] ?? '';
  return `${Math.floor(ms / 1000)}.${(String(ms % 1000).padStart(3, '0') + frac.slice(3)).padEnd(9, '0').slice(0, 9)}`;
}

/** RFC 3339 with nine fraction digits in local time, as docker's RFC3339NanoFixed */
export function eventTime(timeNano: bigint): string {
  const ms = Number(timeNano / 1_000_000n);
  const offsetMin = -new Date(ms).getTimezoneOffset();
  const local = new Date(ms + offsetMin * 60_000).toISOString().slice(0, 19);
  const zone = offsetMin === 0 ? 'Z' : `${offsetMin > 0 ? '+' : '-'}${String(Math.floor(Math.abs(offsetMin) / 60)).padStart(2, '0')}:${String(Math.abs(offsetMin) % 60).padStart(2, '0')}`;
  return `${local}.${(timeNano % 1_000_000_000n).toString().padStart(9, '0')}${zone}`;
}

/** One event as docker's default output prints it; attributes sorted by key. */
export function eventLine(m: Message, timeNano: bigint): string {
  const attrs = Object.entries(m.Actor.Attributes ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const tail = attrs.length ? ` (${attrs.map(([k, v]) => `${k}=${v}`).join(', ')})` : '';
  return `${eventTime(timeNano)} ${m.Type} ${m.Action} ${m.Actor.ID}${tail}\n`;
}

const rawJson = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/** The fields a Go template sees (docker's events.Message struct); `{{json .}}` gives the message itself */
export const eventTemplateData = (m: Message, timeNano: bigint) => ({
  Status: m.status ?? '', ID: m.id ?? '', From: m.from ?? '', Type: m.Type, Action: m.Action,
  Actor: { ID: m.Actor.ID, Attributes: m.Actor.Attributes ?? {} }, Scope: m.scope, Time: m.time, TimeNano: timeNano,
  toJSON: () => ({ ...m, timeNano: rawJson(timeNano.toString()) }),
});

export const events: Command = {
  usage: '[OPTIONS]',
  summary: 'Get real time events from the server',
  flags: [
    { name: 'filter', short: 'f', type: 'list', value: 'filter', help: 'Filter output based on conditions provided' },
    { name: 'format', type: 'string', help: jsonFormatHelp },
    { name: 'since', type: 'string', value: 'string', help: 'Show all events created since timestamp' },
    { name: 'until', type: 'string', value: 'string', help: 'Stream events until this timestamp' },
  ],
  args: { max: 0 },
  async run(ctx, p) {
    const filters: Record<string, string[]> = {};
    for (const f of p.list('filter')) {
      const eq = f.indexOf('=');
      if (eq < 0) throw new CliError(`bad format of filter (expected name=value)`, 125);
      (filters[f.slice(0, eq)] ??= []).push(f.slice(eq + 1));
    }
    const now = Date.now();
    const since = p.str('since');
    const until = p.str('until');
    const format = p.str('format');
    const template = format && format !== 'json' ? parseTemplate(format) : null;
    const res = await ctx.api().request('GET', '/events', {
      query: {
        since: since ? eventTimestamp(since, now) : undefined,
        until: until ? eventTimestamp(until, now) : undefined,
        filters: Object.keys(filters).length ? JSON.stringify(filters) : undefined,
      },
    });
    let rest = '';
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      rest += chunk.toString('utf8');
      let nl: number;
      while ((nl = rest.indexOf('\n')) >= 0) {
        const line = rest.slice(0, nl).trim();
        rest = rest.slice(nl + 1);
        if (!line) continue;
        const m = JSON.parse(line) as Message;
        // JSON numbers lose the last digits of timeNano: take it from the text
        const timeNano = BigInt(/"timeNano":(\d+)/.exec(line)?.[1] ?? String(m.time * 1e9));
        if (format === 'json') process.stdout.write(line + '\n');
        else if (template) process.stdout.write(template.execute(eventTemplateData(m, timeNano)) + '\n');
        else process.stdout.write(eventLine(m, timeNano));
      }
    }
  },
};
