// `skiff save` / `skiff load` (image save / image load), issue 10: docker's flags, messages and output.
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Command, CliError, jsonMessages, type Parsed } from '../core.ts';
import { decimalSize } from '../format.ts';

const platformHelp = 'Formatted as a comma-separated list of "os[/arch[/variant]]" (e.g., "linux/amd64,linux/arm64/v8")';

/** docker's --platform list; skiff keeps one platform per image, so one is all that can be asked for */
function platformQuery(p: Parsed): string | undefined {
  const all = p.list('platform').flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  if (all.length > 1) throw new CliError('only one platform can be given: skiff keeps one platform per image', 125);
  if (!all[0]) return undefined;
  const [os, architecture, variant] = all[0].split('/');
  return JSON.stringify({ os, architecture: architecture ?? '', ...(variant ? { variant } : {}) });
}

export const save: Command = {
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  summary: 'Save one or more images to a tar archive (streamed to STDOUT by default)',
  flags: [
    { name: 'output', short: 'o', type: 'string', help: 'Write to a file, instead of STDOUT' },
    { name: 'platform', type: 'list', value: 'stringSlice', help: `Save only the given platform(s). ${platformHelp}` },
  ],
  args: { min: 1 },
  async run(ctx, p) {
    const out = p.str('output');
    if (!out && process.stdout.isTTY) throw new CliError('cowardly refusing to save to a terminal. Use the -o flag or redirect', 1);
    const res = await ctx.api().request('GET', '/images/get', { query: { names: p.args, platform: platformQuery(p) } });
    if (!out) return void (await pipeline(res.body, process.stdout));
    // as docker: into a temp file beside the target, renamed when complete, so a failure leaves no half file
    const tmp = join(dirname(out), `.docker_temp_${basename(out)}.${randomBytes(4).toString('hex')}`);
    try {
      await pipeline(res.body, createWriteStream(tmp, { mode: 0o644 }));
      await rename(tmp, out);
    } catch (err) {
      await rm(tmp, { force: true });
      throw new CliError(`failed to save image: ${(err as Error).message}`, 1);
    }
  },
};

export const load: Command = {
  usage: '[OPTIONS]',
  summary: 'Load an image from a tar archive or STDIN',
  flags: [
    { name: 'input', short: 'i', type: 'string', help: 'Read from tar archive file, instead of STDIN' },
    { name: 'platform', type: 'list', value: 'stringSlice', help: `Load only the given platform(s). ${platformHelp}` },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Suppress the load output' },
  ],
  args: { max: 0 },
  async run(ctx, p) {
    const input = p.str('input');
    let body: Readable;
    if (input) {
      if (!statSync(input, { throwIfNoEntry: false })) throw new CliError(`open ${input}: no such file or directory`, 1);
      body = createReadStream(input);
    } else {
      if (process.stdin.isTTY) throw new CliError('requested load from stdin, but stdin is empty', 1);
      body = process.stdin;
    }
    const quiet = p.bool('quiet') || !process.stdout.isTTY;
    const res = await ctx.api().request('POST', '/images/load', {
      query: { quiet: quiet ? '1' : '0', platform: platformQuery(p) },
      body,
      headers: { 'Content-Type': 'application/x-tar' },
    });
    const bar = progressLine();
    try {
      for await (const m of jsonMessages(res.body)) {
        if (typeof m.stream === 'string') {
          bar.end();
          process.stdout.write(m.stream);
        } else if (typeof m.status === 'string' && process.stdout.isTTY) bar.show(m);
      }
    } finally {
      bar.end();
    }
  },
};

/** docker's progress bar on a terminal: one line per layer, redrawn in place while it loads */
function progressLine(): { show(m: Record<string, unknown>): void; end(): void } {
  let open = '';
  return {
    show(m) {
      const id = typeof m.id === 'string' ? m.id : '';
      if (open && open !== id) process.stdout.write('\n');
      open = id;
      const d = (m.progressDetail ?? {}) as { current?: number; total?: number };
      let text = `${id ? `${id}: ` : ''}${m.status as string}`;
      if (d.total && d.current !== undefined) {
        // docker draws the bar only on a terminal wide enough for it
        const filled = Math.min(50, Math.floor((50 * d.current) / d.total));
        const arrow = filled < 50 ? `${'='.repeat(filled)}>${' '.repeat(49 - filled)}` : '='.repeat(50);
        text += `${(process.stdout.columns ?? 80) >= 110 ? ` [${arrow}]` : ''}  ${decimalSize(d.current)}/${decimalSize(d.total)}`;
      }
      process.stdout.write(`\r\x1b[2K${text}`);
    },
    end() {
      if (open) process.stdout.write('\n');
      open = '';
    },
  };
}
