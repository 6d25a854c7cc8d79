// Variable expansion per instruction, with docker's choice of which instructions expand (ADD COPY ENV
// EXPOSE FROM LABEL STOPSIGNAL USER VOLUME WORKDIR, and ARG defaults) and its per-stage scoping of
// build args and ENV. RUN/CMD/ENTRYPOINT/SHELL/HEALTHCHECK/ONBUILD pass through untouched.
import { processWord, processWords, type Vars } from './lex.ts';
import type { Instruction } from './types.ts';

/** What one stage can see at one point: ENV (from the base image and ENV lines) and declared ARGs. */
export interface Scope {
  env: Record<string, string>;
  args: Record<string, string>;
}

/** The variables for expansion: ENV wins over an ARG of the same name, as in docker. */
export function scopeVars(scope: Scope): Vars {
  return { ...scope.args, ...scope.env };
}

/** A fresh stage scope over the base image's environment (`KEY=value` strings, as in image config). */
export function newScope(baseEnv: readonly string[] = []): Scope {
  const env: Record<string, string> = {};
  for (const kv of baseEnv) {
    const eq = kv.indexOf('=');
    if (eq < 0) env[kv] = '';
    else env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return { env, args: {} };
}

export interface ArgContext {
  /** `--build-arg` values. */
  buildArgs: Readonly<Record<string, string>>;
  /** The meta ARGs' values (before the first FROM), which a bare `ARG NAME` in a stage inherits. */
  metaArgs: Readonly<Record<string, string>>;
}

/**
 * Expand `instr` with the scope's variables, then record its effect on the scope (ARG declares,
 * ENV sets). Returns the expanded instruction; throws Error with the lexer's message.
 */
export function applyInstruction(instr: Instruction, scope: Scope, ctx: ArgContext, escape: string): Instruction {
  const expanded = expandInstruction(instr, scopeVars(scope), escape);
  if (expanded.kind === 'ENV') for (const { key, value } of expanded.env) scope.env[key] = value;
  if (expanded.kind === 'ARG') {
    for (const { key, value } of expanded.args) {
      const v = Object.hasOwn(ctx.buildArgs, key) ? ctx.buildArgs[key] : (value ?? (Object.hasOwn(ctx.metaArgs, key) ? ctx.metaArgs[key] : undefined));
      if (v !== undefined) scope.args[key] = v;
    }
  }
  return expanded;
}

/** The instruction with its words expanded (quotes removed) where docker expands them. */
export function expandInstruction(instr: Instruction, vars: Vars, escape = '\\'): Instruction {
  const word = (w: string) => processWord(w, vars, { escape });
  switch (instr.kind) {
    case 'ARG':
      // All words of one line see the scope from before the line (`ENV a=1 b=$a` gives b the old a), as docker.
      return { ...instr, args: instr.args.map(({ key, value }) => (value === undefined ? { key } : { key, value: word(value) })) };
    case 'ENV':
      return { ...instr, env: instr.env.map(({ key, value }) => ({ key: word(key), value: word(value) })) };
    case 'LABEL':
      return { ...instr, labels: instr.labels.map(({ key, value }) => ({ key: word(key), value: word(value) })) };
    case 'WORKDIR':
      return { ...instr, path: word(instr.path) };
    case 'USER':
      return { ...instr, user: word(instr.user) };
    case 'STOPSIGNAL':
      return { ...instr, signal: word(instr.signal) };
    case 'EXPOSE':
      return { ...instr, ports: instr.ports.flatMap((p) => processWords(p, vars, { escape })) };
    case 'VOLUME':
      return { ...instr, volumes: instr.volumes.map(word) };
    case 'COPY':
      return { ...instr, sources: instr.sources.map(word), dest: word(instr.dest), chown: word(instr.chown), chmod: word(instr.chmod) }; // --from is never expanded
    case 'ADD':
      return { ...instr, sources: instr.sources.map(word), dest: word(instr.dest), chown: word(instr.chown), chmod: word(instr.chmod), checksum: word(instr.checksum) };
    default:
      return instr;
  }
}
