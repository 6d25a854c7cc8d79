// docker's display of a JSON progress stream (jsonmessage.DisplayJSONMessagesStream): on a terminal one
// line per layer id, redrawn in place with its bar; otherwise plain `id: status` lines, without the bars.
import type { Readable } from 'node:stream';
import { jsonMessages } from './http.ts';

export interface DisplayResult {
  /** aux messages (push: `{Tag, Digest, Size}`) */
  aux: Array<Record<string, unknown>>;
}

/** `out` null: read the stream (its errors still throw) and show nothing (`--quiet`) */
export async function displayTransfer(body: Readable, out: NodeJS.WritableStream | null, tty: boolean): Promise<DisplayResult> {
  const aux: Array<Record<string, unknown>> = [];
  const lines = new Map<string, number>();
  let total = 0;
  for await (const m of jsonMessages(body)) {
    if (m.aux && typeof m.aux === 'object') {
      aux.push(m.aux as Record<string, unknown>);
      continue;
    }
    if (!out) continue;
    const status = typeof m.status === 'string' ? m.status : '';
    const id = typeof m.id === 'string' ? m.id : '';
    const bar = typeof m.progress === 'string' ? m.progress : '';
    const hasProgress = bar !== '' || (m.progressDetail !== undefined && Object.keys(m.progressDetail as object).length > 0);
    const text = `${id ? `${id}: ` : ''}${status}${bar ? ` ${bar}` : ''}`;
    if (!tty) {
      if (!hasProgress) out.write(`${text}\n`);
      continue;
    }
    if (!id) {
      out.write(`${text}\n`);
      total++;
      continue;
    }
    const at = lines.get(id);
    if (at === undefined) {
      lines.set(id, total++);
      out.write(`${text}\n`);
      continue;
    }
    // up to the id's line, rewrite it, back down
    const up = total - at;
    out.write(`\x1b[${up}A\x1b[2K\r${text}\x1b[${up}B\r`);
  }
  return { aux };
}
