// `skiff inspect`, `container inspect`, `image inspect`: the daemon's JSON, as a 4-space-indented array
// (docker's layout) or one template result per object with -f.
import { type Command, type Context, type Parsed, enc, ApiError, CliError } from '../core.ts';
import { parseTemplate } from '../template.ts';

type Kind = 'container' | 'image';

async function fetchOne(ctx: Context, kind: Kind, name: string, size: boolean): Promise<unknown> {
  const path = kind === 'container' ? `/containers/${enc(name)}/json` : `/images/${enc(name)}/json`;
  return ctx.api().json('GET', path, { query: { size: kind === 'container' && size ? true : undefined } });
}

async function inspectAll(ctx: Context, p: Parsed, kind: Kind | undefined): Promise<number> {
  if (kind && kind !== 'container' && kind !== 'image') throw new CliError(`"${kind}" is not a valid value for --type`, 1);
  const found: unknown[] = [];
  const errors: string[] = [];
  for (const name of p.args) {
    try {
      if (kind) found.push(await fetchOne(ctx, kind, name, p.bool('size')));
      else {
        try {
          found.push(await fetchOne(ctx, 'container', name, p.bool('size')));
        } catch (err) {
          if (!(err instanceof ApiError && err.status === 404)) throw err;
          try {
            found.push(await fetchOne(ctx, 'image', name, false));
          } catch (e2) {
            if (!(e2 instanceof ApiError && e2.status === 404)) throw e2;
            throw new CliError(`Error: No such object: ${name}`, 1);
          }
        }
      }
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
  { name: 'format', short: 'f', type: 'string' as const, help: "Format output using a custom template:\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template" },
  { name: 'size', short: 's', type: 'bool' as const, help: 'Display total file sizes if the type is container' },
];

export const inspect: Command = {
  usage: '[OPTIONS] NAME|ID [NAME|ID...]',
  summary: 'Return low-level information on skiff objects',
  flags: [...flags, { name: 'type', type: 'string', help: 'Only inspect objects of the given type (container, image)' }],
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
