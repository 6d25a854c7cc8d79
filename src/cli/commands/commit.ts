// `skiff commit`, `skiff diff`, `skiff export`, `skiff history`: a container's changes as docker shows them.
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { type Command, enc, CliError } from '../core.ts';
import { ago, decimalSize, ellipsis, formatRows, shortId, type Row } from '../format.ts';
import { splitRef } from './images.ts';

export const commit: Command = {
  usage: '[OPTIONS] CONTAINER [REPOSITORY[:TAG]]',
  summary: "Create a new image from a container's changes",
  flags: [
    { name: 'author', short: 'a', type: 'string', help: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")' },
    { name: 'change', short: 'c', type: 'list', help: 'Apply Dockerfile instruction to the created image' },
    { name: 'message', short: 'm', type: 'string', help: 'Commit message' },
    { name: 'pause', short: 'p', type: 'bool', help: 'Pause container during commit (default true)' },
  ],
  args: { min: 1, max: 2 },
  async run(ctx, p) {
    const [container, ref] = p.args;
    const [repo, tag] = ref ? splitRef(ref) : ['', ''];
    const r = await ctx.api().json<{ Id: string }>('POST', '/commit', {
      query: {
        container, repo: repo || undefined, tag: tag || undefined, comment: p.str('message'), author: p.str('author'),
        pause: p.has('pause') ? p.bool('pause') : true, changes: p.list('change'),
      },
    });
    process.stdout.write(`${r.Id}\n`);
  },
};

export const diff: Command = {
  usage: 'CONTAINER',
  summary: "Inspect changes to files or directories on a container's filesystem",
  flags: [],
  args: { min: 1, max: 1 },
  async run(ctx, p) {
    const changes = await ctx.api().json<Array<{ Path: string; Kind: number }> | null>('GET', `/containers/${enc(p.args[0])}/changes`);
    process.stdout.write((changes ?? []).map((c) => `${'CAD'[c.Kind] ?? '?'} ${c.Path}\n`).join(''));
  },
};

export const exportCmd: Command = {
  usage: '[OPTIONS] CONTAINER',
  summary: "Export a container's filesystem as a tar archive",
  flags: [{ name: 'output', short: 'o', type: 'string', help: 'Write to a file, instead of STDOUT' }],
  args: { min: 1, max: 1 },
  async run(ctx, p) {
    const out = p.str('output');
    // docker's wording: a tar on a terminal is never what anyone wants
    if (!out && process.stdout.isTTY) throw new CliError('cowardly refusing to save to a terminal. Use the -o flag or redirect', 1);
    const res = await ctx.api().request('GET', `/containers/${enc(p.args[0])}/export`);
    await pipeline(res.body, out ? createWriteStream(out) : process.stdout);
  },
};

interface HistoryRow {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

export const history: Command = {
  usage: '[OPTIONS] IMAGE',
  summary: 'Show the history of an image',
  flags: [
    { name: 'format', type: 'string', help: 'Format output using a custom template' },
    { name: 'human', short: 'H', type: 'bool', help: 'Print sizes and dates in human readable format (default true)' },
    { name: 'no-trunc', type: 'bool', help: "Don't truncate output" },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Only show image IDs' },
  ],
  args: { min: 1, max: 1 },
  async run(ctx, p) {
    const rows = await ctx.api().json<HistoryRow[]>('GET', `/images/${enc(p.args[0])}/history`);
    const trunc = !p.bool('no-trunc');
    const human = p.has('human') ? p.bool('human') : true;
    const id = (s: string) => (s === '<missing>' || !trunc ? s : shortId(s));
    if (p.bool('quiet')) {
      process.stdout.write(rows.map((r) => `${id(r.Id)}\n`).join(''));
      return;
    }
    const out: Row[] = rows.map((r) => ({
      ID: id(r.Id),
      CreatedSince: human ? ago(r.Created) : new Date(r.Created * 1000).toISOString().replace(/\.000Z$/, 'Z'),
      CreatedAt: new Date(r.Created * 1000).toISOString(),
      CreatedBy: trunc ? ellipsis(r.CreatedBy.replace(/\s+/g, ' '), 45) : r.CreatedBy,
      Size: human ? decimalSize(r.Size) : String(r.Size),
      Comment: r.Comment,
    }));
    const format = p.str('format') ?? 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';
    process.stdout.write(formatRows(out, format, { ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT' }));
  },
};
