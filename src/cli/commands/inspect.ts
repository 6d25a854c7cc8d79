// `skiff inspect`, `container inspect`, `image inspect`: the daemon's JSON, as a 4-space-indented array
// (docker's layout) or one template result per object with -f.
import { jsonFormatHelp } from '../format.ts';
import { type Command, type Context, type Parsed, enc, ApiError, CliError } from '../core.ts';
import { parseTemplate } from '../template.ts';

/** What `inspect` looks for, in the order docker's CLI tries them when no --type is given. */
const kinds = {
  container: (name: string) => `/containers/${enc(name)}/json`,
  image: (name: string) => `/images/${enc(name)}/json`,
  volume: (name: string) => `/volumes/${enc(name)}`,
};
type Kind = keyof typeof kinds;

async function fetchOne(ctx: Context, kind: Kind, name: string, size: boolean): Promise<unknown> {
  return ctx.api().json('GET', kinds[kind](name), { query: { size: kind === 'container' && size ? true : undefined } });
}

/** Each kind in turn until one knows the name. */
async function fetchAny(ctx: Context, name: string, size: boolean): Promise<unknown> {
  for (const kind of Object.keys(kinds) as Kind[]) {
    try {
      return await fetchOne(ctx, kind, name, size);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) throw err;
    }
  }
  throw new CliError(`Error: No such object: ${name}`, 1);
}

export async function inspectAll(ctx: Context, p: Parsed, kind: Kind | undefined): Promise<number> {
  if (kind && !(kind in kinds)) throw new CliError(`"${kind}" is not a valid value for --type`, 1);
  const found: unknown[] = [];
  const errors: string[] = [];
  for (const name of p.args) {
    try {
      found.push(kind ? await fetchOne(ctx, kind, name, p.bool('size')) : await fetchAny(ctx, name, p.bool('size')));
    } catch (err) {
      if (!(err instanceof CliError)) throw err;
      errors.push(err.message);
    }
  }
  const format = p.str('format');
  if (format === 'json') for (const obj of found) process.stdout.write(`${JSON.stringify(obj)}\n`);
  else if (format) {
    const t = parseTemplate(format);
    for (const obj of found) process.stdout.write(`${t.execute(obj)}\n`);
  } else process.stdout.write(`${found.length ? JSON.stringify(found, null, 4) : '[]'}\n`);
  for (const e of errors) process.stderr.write(`${e}\n`);
  return errors.length ? 1 : 0;
}

const flags = [
  { name: 'format', short: 'f', type: 'string' as const, help: jsonFormatHelp },
  { name: 'size', short: 's', type: 'bool' as const, help: 'Display total file sizes if the type is container' },
];

export const inspect: Command = {
  usage: '[OPTIONS] NAME|ID [NAME|ID...]',
  summary: 'Return low-level information on skiff objects',
  flags: [...flags, { name: 'type', type: 'string', help: 'Only inspect objects of the given type (container, image, volume)' }],
  args: { min: 1 },
  run: (ctx, p) => inspectAll(ctx, p, p.str('type') as Kind | undefined),
};

export const containerInspect: Command = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Display detailed information on one or more containers',
  flags,
  args: { min: 1 },
  run: (ctx, p) => inspectAll(ctx, p, 'container'),
};

export const imageInspect: Command = {
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  summary: 'Display detailed information on one or more images',
  flags: flags.slice(0, 1),
  args: { min: 1 },
  run: (ctx, p) => inspectAll(ctx, p, 'image'),
};
