// `extends:` — a service built on another one, from the same file or another (`{ service, file }`),
// merged under the extending service by the same rules as override files. A base from another file is
// read, interpolated and checked like any compose file, and its relative paths are made absolute against
// that file's directory (they are relative to where they were written).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ComposeError, keyError } from './errors.ts';
import { parseYaml } from './files.ts';
import { isMapping } from './interpolate.ts';
import { canonicalService, mergeService, withoutPath } from './merge.ts';
import { prepareFile, type FileContext } from './prepare.ts';
import { hostPath, volumeTarget } from './volumes.ts';

type Dict = Record<string, unknown>;

/** Every service of a file (checked, as written) in canonical form with its `extends` resolved; `resets`
 *  are the file's `!reset`/`!override` key paths, which clear what the base set there */
export function resolveExtends(services: Dict, file: string, ctx: FileContext, resets: string[][] = []): Record<string, Dict> {
  const out: Record<string, Dict> = {};
  const files = new Map<string, Dict>();
  for (const name of Object.keys(services)) out[name] = resolveService(name, services, file, ctx, [], files, resets);
  return out;
}

function resolveService(name: string, services: Dict, file: string, ctx: FileContext, chain: string[], files: Map<string, Dict>, resets: string[][]): Dict {
  const s = services[name] as Dict;
  const ext = s.extends;
  if (ext === undefined) return canonicalService(s);
  const { extends: _, ...own } = s;
  const ref = typeof ext === 'string' ? { service: ext, file: undefined } : { service: String((ext as Dict).service), file: (ext as Dict).file as string | undefined };
  const where = `${file}#${name}`;
  if (chain.includes(where)) throw keyError(file, `services.${name}.extends`, `extends cycle: ${[...chain, where].map((w) => w.split('#')[1]).join(' -> ')}`);
  const baseFile = ref.file === undefined ? file : resolve(file === '-' ? ctx.pathCtx.projectDir : dirname(file), ref.file);
  const baseServices = baseFile === file ? services : otherFile(baseFile, ctx, files);
  if (!isMapping(baseServices[ref.service])) {
    throw keyError(file, `services.${name}.extends`, `cannot extend service "${name}" in ${baseFile}: service "${ref.service}" not found`);
  }
  let base = resolveService(ref.service, baseServices, baseFile, ctx, [...chain, where], files, baseFile === file ? resets : []);
  if (baseFile !== file) base = absolutePaths(base, dirname(baseFile), ctx.pathCtx.home);
  // `!reset` / `!override` in this service clear what its base set there (resets are this file's)
  for (const path of resets) if (path[0] === 'services' && path[1] === name && path.length > 2) base = withoutPath(base, path.slice(2));
  return mergeService(base, canonicalService(own));
}

/** Another file's services, read once per load */
function otherFile(path: string, ctx: FileContext, files: Map<string, Dict>): Dict {
  let services = files.get(path);
  if (!services) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ComposeError(`cannot read ${path}`, { file: path }, { cause: err });
    }
    const top = prepareFile(path, parseYaml({ path, text }).value, ctx);
    services = isMapping(top.services) ? top.services : {};
    files.set(path, services);
  }
  return services;
}

/** A base service's relative paths (build context, env_file, bind sources) made absolute against its file */
export function absolutePaths(s: Dict, dir: string, home: string | undefined): Dict {
  const at = (p: string): string => hostPath(p, { projectDir: dir, home });
  const out: Dict = { ...s };
  if (isMapping(out.build)) {
    const context = String(out.build.context ?? '.');
    out.build = { ...out.build, context: /^(https?:\/\/|git@|git:\/\/|github\.com\/)/.test(context) ? context : at(context) };
  }
  if (Array.isArray(out.env_file)) out.env_file = out.env_file.map((e) => (isMapping(e) ? { ...e, path: at(String(e.path)) } : at(String(e))));
  if (Array.isArray(out.volumes)) {
    out.volumes = out.volumes.map((v) => {
      if (isMapping(v)) return v.type === 'bind' && typeof v.source === 'string' ? { ...v, source: at(v.source) } : v;
      const text = String(v);
      const target = volumeTarget(text);
      const source = text.split(':')[0];
      return target !== text && /^[.~]/.test(source) ? `${at(source)}${text.slice(source.length)}` : text;
    });
  }
  return out;
}
