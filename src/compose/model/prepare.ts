// One compose file's tree made ready to merge: `x-` keys dropped, `version` warned about, values
// interpolated, and the whole checked against keys.ts (each service too), errors naming the file.
import { ComposeError, keyError } from './errors.ts';
import { interpolateTree, isMapping, TemplateError, type Lookup } from './interpolate.ts';
import { serviceShape, topShape } from './keys.ts';
import { check, yamlBool } from './schema.ts';
import type { PathContext } from './volumes.ts';

type Dict = Record<string, unknown>;

export interface FileContext {
  lookup: Lookup;
  onUnset: (name: string) => void;
  warn: (m: string) => void;
  pathCtx: PathContext;
}

const serviceName = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function withoutExtensions(d: Dict): Dict {
  return Object.fromEntries(Object.entries(d).filter(([k]) => !k.startsWith('x-')));
}

/** The file's top level, interpolated and checked; its services are still as written (not canonical) */
export function prepareFile(path: string, value: Dict, ctx: FileContext): Dict {
  let top = withoutExtensions(value);
  if ('version' in top) {
    ctx.warn(`${path}: the attribute \`version\` is obsolete, it will be ignored, please remove it to avoid potential confusion`);
    delete top.version;
  }
  if (isMapping(top.services)) {
    top.services = Object.fromEntries(Object.entries(top.services).map(([n, s]) => [n, isMapping(s) ? withoutExtensions(s) : s]));
  }
  try {
    top = interpolateTree(top, ctx.lookup, '', ctx.onUnset) as Dict;
  } catch (err) {
    if (err instanceof TemplateError) throw new ComposeError(`${path}: ${err.message}`, { file: path }, { cause: err });
    throw err;
  }
  const checkCtx = { file: path, warn: ctx.warn };
  check(top, topShape, '', checkCtx);
  checkExternal(top, path, ctx.warn);
  for (const [name, s] of Object.entries(isMapping(top.services) ? top.services : {})) {
    if (!serviceName.test(name)) throw keyError(path, `services.${name}`, `invalid service name ${JSON.stringify(name)}: it must match ${serviceName.source}`);
    check(s, serviceShape, `services.${name}`, checkCtx);
  }
  return top;
}

/** An external volume is only named, never configured (compose-go's checkExternal); a network is warned about */
function checkExternal(top: Dict, path: string, warn: (m: string) => void): void {
  for (const kind of ['volumes', 'networks'] as const) {
    for (const [key, d] of Object.entries(isMapping(top[kind]) ? top[kind] : {})) {
      if (!isMapping(d) || !yamlBool(d.external)) continue;
      const extra = Object.keys(d).find((k) => k !== 'name' && k !== 'external' && !k.startsWith('x-'));
      if (!extra) continue;
      const message = `${kind}.${key}: conflicting parameters "external" and "${extra}" specified`;
      if (kind === 'volumes') throw new ComposeError(`validating ${path}: ${message}`, { file: path, key: `${kind}.${key}.${extra}` });
      warn(`${path}: ${message}; ${extra} is ignored`);
    }
  }
}
