// A small table-driven flag parser with docker's (pflag's) rules: `--name x`, `--name=x`, `-it`, `-e=X`,
// `-eX`, `--rm=false`, `--` ends flags; flags may follow positionals unless the command stops at its first
// positional (run, exec: everything after the image belongs to the container's command).
import { CliError } from './errors.ts';

export type FlagType = 'bool' | 'string' | 'list';

export interface FlagSpec {
  name: string;
  short?: string;
  type: FlagType;
  /** metavar in help (`string`, `int`, `list`, `bytes`, `decimal`) */
  value?: string;
  help: string;
  /** shown as `(default …)` in help */
  def?: string;
}

export interface CommandSpec {
  /** full command path for messages, e.g. `skiff container ls` */
  path: string;
  usage: string;
  summary: string;
  flags: FlagSpec[];
  aliases?: string[];
  args?: { min?: number; max?: number };
  /** false: flag parsing ends at the first positional argument */
  interspersed?: boolean;
}

export interface Parsed {
  args: string[];
  help: boolean;
  has(name: string): boolean;
  bool(name: string): boolean;
  str(name: string): string | undefined;
  list(name: string): string[];
}

/** A bad command line: docker prints it with a pointer to --help and exits 125. */
export function usageError(spec: Pick<CommandSpec, 'path'>, message: string, exitCode = 125): CliError {
  return new CliError(`${message}\nSee '${spec.path} --help'.`, exitCode);
}

const truthy = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const falsy = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

export function parseArgs(spec: CommandSpec, argv: string[]): Parsed {
  const byLong = new Map(spec.flags.map((f) => [f.name, f]));
  const byShort = new Map(spec.flags.filter((f) => f.short).map((f) => [f.short!, f]));
  const helpShort = !byShort.has('h');
  const values = new Map<string, string | boolean | string[]>();
  const args: string[] = [];
  let help = false;

  const set = (f: FlagSpec, value: string | undefined, shown: string) => {
    if (f.type === 'bool') {
      if (value === undefined) values.set(f.name, true);
      else if (truthy.has(value)) values.set(f.name, true);
      else if (falsy.has(value)) values.set(f.name, false);
      else throw usageError(spec, `invalid argument "${value}" for "${flagLabel(f)}" flag: strconv.ParseBool: parsing "${value}": invalid syntax`);
      return;
    }
    if (value === undefined) throw usageError(spec, `flag needs an argument: ${shown}`);
    if (f.type === 'list') {
      const prev = (values.get(f.name) as string[] | undefined) ?? [];
      values.set(f.name, [...prev, value]);
    } else values.set(f.name, value);
  };

  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      i++;
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      if (name === 'help' && !byLong.has('help')) {
        help = true;
        continue;
      }
      const f = byLong.get(name);
      if (!f) throw usageError(spec, `unknown flag: --${name}`);
      let value = eq < 0 ? undefined : a.slice(eq + 1);
      if (value === undefined && f.type !== 'bool') {
        if (i + 1 >= argv.length) throw usageError(spec, `flag needs an argument: --${name}`);
        value = argv[++i];
      }
      set(f, value, `--${name}`);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      // a group of shorthands: `-it`, `-dit`, `-eFOO=1`, `-e=FOO`, `-e FOO`
      for (let j = 1; j < a.length; j++) {
        const c = a[j];
        if (c === 'h' && helpShort) {
          help = true;
          continue;
        }
        const f = byShort.get(c);
        if (!f) throw usageError(spec, `unknown shorthand flag: '${c}' in ${a}`);
        if (f.type === 'bool') {
          if (a[j + 1] === '=') {
            set(f, a.slice(j + 2), `'${c}' in ${a}`);
            break;
          }
          set(f, undefined, `'${c}' in ${a}`);
          continue;
        }
        let value: string | undefined = a.slice(j + 1);
        if (value.startsWith('=')) value = value.slice(1);
        else if (value === '') value = i + 1 < argv.length ? argv[++i] : undefined;
        set(f, value, `'${c}' in -${c}`);
        break;
      }
      continue;
    }
    args.push(a);
    if (spec.interspersed === false) {
      i++;
      break;
    }
  }
  args.push(...argv.slice(i));

  const has = (name: string) => values.has(name);
  return {
    args,
    help,
    has,
    bool: (name) => values.get(name) === true,
    str: (name) => {
      const v = values.get(name);
      return typeof v === 'string' ? v : undefined;
    },
    list: (name) => (values.get(name) as string[] | undefined) ?? [],
  };
}

/** Docker's argument-count message (exit 1, as docker). */
export function checkArgCount(spec: CommandSpec, n: number): void {
  const { min = 0, max = Infinity } = spec.args ?? {};
  if (n >= min && n <= max) return;
  const plural = (k: number) => `${k} argument${k === 1 ? '' : 's'}`;
  const what =
    max === 0
      ? 'accepts no arguments'
      : min === max
        ? `requires ${plural(min)}`
        : min > 0 && max !== Infinity
          ? `requires at least ${min} and at most ${plural(max)}`
          : n < min
            ? `requires at least ${plural(min)}`
            : `accepts at most ${plural(max)}`;
  throw new CliError(`"${spec.path}" ${what}.\nSee '${spec.path} --help'.\n\nUsage:  ${spec.path} ${spec.usage}\n\n${spec.summary}`, 1);
}

function flagLabel(f: FlagSpec): string {
  return f.short ? `-${f.short}, --${f.name}` : `--${f.name}`;
}

/** `skiff <verb> --help`, laid out as docker/pflag does. */
export function helpText(spec: CommandSpec): string {
  const rows = spec.flags.map((f) => {
    const left = `${f.short ? `-${f.short}, ` : '    '}--${f.name}${f.type === 'bool' ? '' : ` ${f.value ?? (f.type === 'list' ? 'list' : 'string')}`}`;
    return [left, f.help + (f.def !== undefined ? ` (default ${f.def})` : '')];
  });
  const width = Math.max(0, ...rows.map(([l]) => l.length));
  let out = `\nUsage:  ${spec.path} ${spec.usage}\n\n${spec.summary}\n`;
  if (spec.aliases?.length) out += `\nAliases:\n  ${spec.aliases.join(', ')}\n`;
  // continuation lines of a long help text line up under its first line, as pflag prints them
  const body = (h: string) => h.split('\n').join(`\n${' '.repeat(width + 5)}`);
  if (rows.length) out += `\nOptions:\n${rows.map(([l, h]) => `  ${l.padEnd(width)}   ${body(h)}`).join('\n')}\n`;
  return out;
}

/** `invalid argument "1x" for "-m, --memory" flag: …` for a value that fails validation. */
export function badValue(spec: CommandSpec, name: string, value: string, reason: string): CliError {
  const f = spec.flags.find((x) => x.name === name);
  return usageError(spec, `invalid argument "${value}" for "${f ? flagLabel(f) : `--${name}`}" flag: ${reason}`);
}
