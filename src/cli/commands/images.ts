// Image verbs: images / image ls, image import, tag, rmi / image rm.
import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { type Command, eachContainer, enc, CliError, jsonMessages, readAll } from '../core.ts';
import { ago, decimalSize, formatRows, shortId, type Row, tableFormatHelp } from '../format.ts';
import { packTar } from '../../lib/tar.ts';

interface ImageSummary {
  Id: string;
  RepoTags: string[] | null;
  RepoDigests: string[] | null;
  Created: number;
  Size: number;
  Labels?: Record<string, string> | null;
  Containers?: number;
}

const headers: Record<string, string> = {
  Repository: 'REPOSITORY',
  Tag: 'TAG',
  Digest: 'DIGEST',
  ID: 'IMAGE ID',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  Size: 'SIZE',
  Containers: 'CONTAINERS',
};

/** `name:tag` → [name, tag]; the tag is after the last ':' that follows the last '/'. */
export function splitRef(ref: string): [string, string] {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, ''];
}

export function imageRows(list: ImageSummary[], trunc: boolean, now = Date.now()): Row[] {
  const rows: Row[] = [];
  for (const img of list) {
    const tags = img.RepoTags?.filter((t) => t !== '<none>:<none>') ?? [];
    const base = {
      Digest: img.RepoDigests?.[0]?.split('@')[1] ?? '<none>',
      ID: trunc ? shortId(img.Id) : img.Id,
      CreatedSince: ago(img.Created, now),
      CreatedAt: `${new Date(img.Created * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '')} +0000 UTC`,
      Size: decimalSize(img.Size),
      Containers: img.Containers !== undefined && img.Containers >= 0 ? String(img.Containers) : 'N/A',
    };
    if (!tags.length) rows.push({ Repository: '<none>', Tag: '<none>', ...base });
    for (const t of tags) {
      const [repo, tag] = splitRef(t);
      rows.push({ Repository: repo, Tag: tag || '<none>', ...base });
    }
  }
  return rows;
}

export const images: Command = {
  usage: '[OPTIONS] [REPOSITORY[:TAG]]',
  summary: 'List images',
  flags: [
    { name: 'all', short: 'a', type: 'bool', help: 'Show all images (default hides intermediate images)' },
    { name: 'digests', type: 'bool', help: 'Show digests' },
    { name: 'filter', short: 'f', type: 'list', value: 'filter', help: 'Filter output based on conditions provided' },
    { name: 'format', type: 'string', help: tableFormatHelp },
    { name: 'no-trunc', type: 'bool', help: "Don't truncate output" },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Only show image IDs' },
  ],
  args: { max: 1 },
  async run(ctx, p) {
    const filters: Record<string, string[]> = {};
    for (const f of p.list('filter')) {
      const eq = f.indexOf('=');
      if (eq < 0) throw new CliError('bad format of filter (expected name=value)', 125);
      (filters[f.slice(0, eq)] ??= []).push(f.slice(eq + 1));
    }
    if (p.args[0]) (filters.reference ??= []).push(p.args[0]);
    const list = await ctx.api().json<ImageSummary[]>('GET', '/images/json', {
      query: { all: p.bool('all') || undefined, filters: Object.keys(filters).length ? JSON.stringify(filters) : undefined },
    });
    list.sort((a, b) => b.Created - a.Created);
    const trunc = !p.bool('no-trunc');
    if (p.bool('quiet')) {
      const ids = [...new Set(list.map((i) => (trunc ? shortId(i.Id) : i.Id)))];
      process.stdout.write(ids.map((id) => `${id}\n`).join(''));
      return;
    }
    const rows = imageRows(list, trunc);
    let format = p.str('format') ?? 'table';
    if (format === 'table') format = `table {{.Repository}}\t{{.Tag}}${p.bool('digests') ? '\t{{.Digest}}' : ''}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}`;
    process.stdout.write(formatRows(rows, format, headers));
  },
};

export const importImage: Command = {
  usage: '[OPTIONS] file|dir|- [REPOSITORY[:TAG]]',
  summary: 'Import the contents from a tarball or directory to create a filesystem image',
  flags: [
    { name: 'change', short: 'c', type: 'list', help: 'Apply Dockerfile instruction to the created image' },
    { name: 'message', short: 'm', type: 'string', help: 'Set commit message for imported image' },
    { name: 'platform', type: 'string', help: 'Set platform if server is multi-platform capable' },
  ],
  args: { min: 1, max: 2 },
  async run(ctx, p) {
    const [source, ref] = p.args;
    let body: Readable;
    if (source === '-') body = process.stdin;
    else {
      const st = statSync(source, { throwIfNoEntry: false });
      if (!st) throw new CliError(`open ${source}: no such file or directory`, 1);
      // a directory is a root filesystem: its contents become the image's only layer
      body = st.isDirectory() ? packTar(source) : createReadStream(source);
    }
    const [repo, tag] = ref ? splitRef(ref) : ['', ''];
    const res = await ctx.api().request('POST', '/images/create', {
      query: { fromSrc: '-', repo: repo || undefined, tag: tag || undefined, message: p.str('message'), changes: p.list('change'), platform: p.str('platform') },
      body,
      headers: { 'Content-Type': 'application/x-tar' },
    });
    let id = '';
    for await (const m of jsonMessages(res.body)) if (typeof m.status === 'string') id = m.status;
    process.stdout.write(`${id}\n`);
  },
};

export const tag: Command = {
  usage: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  summary: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
  flags: [],
  args: { min: 2, max: 2 },
  async run(ctx, p) {
    const [source, target] = p.args;
    const [repo, t] = splitRef(target);
    const res = await ctx.api().request('POST', `/images/${enc(source)}/tag`, { query: { repo, tag: t || 'latest' } });
    await readAll(res.body);
  },
};

export const rmi: Command = {
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  summary: 'Remove one or more images',
  flags: [
    { name: 'force', short: 'f', type: 'bool', help: 'Force removal of the image' },
    { name: 'no-prune', type: 'bool', help: 'Do not delete untagged parents' },
  ],
  args: { min: 1 },
  run: (ctx, p) =>
    eachContainer(p.args, async (name) => {
      const removed = await ctx.api().json<Array<{ Untagged?: string; Deleted?: string }>>('DELETE', `/images/${enc(name)}`, {
        query: { force: p.bool('force') || undefined, noprune: p.bool('no-prune') || undefined },
      });
      return removed.map((r) => (r.Untagged ? `Untagged: ${r.Untagged}` : `Deleted: ${r.Deleted}`)).join('\n') || undefined;
    }),
};
