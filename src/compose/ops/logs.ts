// The project's logs as docker compose prints them: each line prefixed with the container's short name
// (`web-1  | `), the prefix coloured per container on a terminal; `up` (attached) and `logs -f` follow.
import type { Readable } from 'node:stream';
import { frameDemuxer } from '../../lib/stdcopy.ts';
import { LABEL } from '../types.ts';
import type { OpsContext } from './context.ts';
import type { ContainerSummary } from './docker.ts';

// docker compose's rainbow: cyan, yellow, green, magenta, blue, then their intense variants
const rainbow = ['36', '33', '32', '35', '34', '36;1', '33;1', '32;1', '35;1', '34;1'];

/** `web-1` for p-web-1 (a one-off or a container_name keeps its full name) */
export function shortName(c: { Names: string[]; Labels: Record<string, string> | null }): string {
  const name = (c.Names[0] ?? '').replace(/^\//, '');
  const l = c.Labels ?? {};
  const project = l[LABEL.project];
  const prefix = `${project}-`;
  if (l[LABEL.oneoff] !== 'True' && project && name.startsWith(prefix) && name === `${project}-${l[LABEL.service]}-${l[LABEL.number]}`) return name.slice(prefix.length);
  return name;
}

export interface Prefixer {
  /** the prefix for this name, padded to the widest name and coloured when asked */
  prefix(name: string): string;
  width: number;
}

export function prefixer(names: string[], color: boolean): Prefixer {
  const width = Math.max(0, ...names.map((n) => n.length));
  const colors = new Map<string, string>();
  return {
    width,
    prefix(name) {
      const text = `${name.padEnd(width + 1)} | `;
      if (!color) return text;
      if (!colors.has(name)) colors.set(name, rainbow[colors.size % rainbow.length]);
      return `\x1b[${colors.get(name)}m${text}\x1b[0m`;
    },
  };
}

export interface LogOptions {
  follow?: boolean;
  tail?: string;
  timestamps?: boolean;
  since?: string;
  until?: string;
  /** false: no prefix at all (`--no-log-prefix`) */
  prefix?: boolean;
}

/** Stream one container's log lines, each prefixed, to `out` (stderr records as well: compose merges them). */
export async function streamLogs(ctx: OpsContext, c: ContainerSummary, p: Prefixer, o: LogOptions, signal?: AbortSignal): Promise<void> {
  const res = await ctx.api.request('GET', `/containers/${c.Id}/logs`, {
    query: { stdout: true, stderr: true, follow: o.follow || undefined, tail: o.tail ?? 'all', timestamps: o.timestamps || undefined, since: o.since, until: o.until },
  });
  const tag = o.prefix === false ? '' : p.prefix(shortName(c));
  const lines = lineWriter((line) => ctx.out.write(`${tag}${line}\n`));
  const raw = /raw-stream/.test(res.headers['content-type'] ?? '');
  const demux = frameDemuxer((_stream, data) => lines.push(data));
  const stop = () => res.body.destroy();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    for await (const chunk of res.body as Readable) {
      if (raw) lines.push(chunk as Buffer);
      else demux(chunk as Buffer);
    }
  } catch (err) {
    if (!signal?.aborted) throw err;
  } finally {
    signal?.removeEventListener('abort', stop);
    lines.end();
  }
}

/** Splits a byte stream into lines (a partial last line is held until the next chunk or the end). */
export function lineWriter(emit: (line: string) => void): { push(b: Buffer): void; end(): void } {
  let held = '';
  return {
    push(b) {
      const text = held + b.toString('utf8');
      const parts = text.split('\n');
      held = parts.pop() ?? '';
      for (const l of parts) emit(l.replace(/\r$/, ''));
    },
    end() {
      if (held) emit(held);
      held = '';
    },
  };
}
