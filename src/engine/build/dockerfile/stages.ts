// Stages: FROM lines expanded with the meta ARGs, names, `--target`, and `COPY --from=<stage|index|image>`
// resolved to a stage or an image (buildkit's rules: FROM sees earlier stage names only, COPY --from any
// stage; a cycle is an error), and the order to build the stages the target needs.
import { processWord } from './lex.ts';
import { LineError } from './lines.ts';
import type { Dockerfile, FromLine, Instruction } from './types.ts';

/** Where a stage starts, or where a COPY --from reads. */
export type Source = { kind: 'scratch' } | { kind: 'image'; ref: string } | { kind: 'stage'; index: number };

export interface ResolvedStage {
  index: number;
  /** Lower-case stage name after expansion, '' when unnamed. */
  name: string;
  platform: string;
  base: Source;
  from: FromLine;
  /** The stage's instructions, unexpanded (expansion needs the base image's ENV: see applyInstruction). */
  instructions: Instruction[];
  /** COPY --from sources, by the instruction's position in `instructions`. */
  copyFrom: Map<number, Source>;
}

export interface ResolveOptions {
  buildArgs?: Readonly<Record<string, string>>;
  /** `--target`: the last stage to build (by name); default the last stage. */
  target?: string;
}

export interface BuildPlan {
  /** Meta ARG values after build-arg overrides (what FROM lines saw). */
  metaArgs: Record<string, string>;
  /** Every stage of the file, by index. */
  stages: ResolvedStage[];
  /** The stage the build produces (--target, else the last). */
  target: number;
  /** Indexes of the stages the target needs, each after the stages it reads from. */
  order: number[];
  /** `--build-arg`s no ARG consumed (docker warns about them). */
  unusedBuildArgs: string[];
}

/** Proxy build args docker accepts without an ARG (available to RUN, never reported as unused). */
export const builtinBuildArgs: ReadonlySet<string> = new Set(
  ['HTTP_PROXY', 'HTTPS_PROXY', 'FTP_PROXY', 'NO_PROXY', 'ALL_PROXY'].flatMap((k) => [k, k.toLowerCase()]),
);

/** Resolve stages and references; errors are LineErrors at the offending line. */
export function resolveStages(df: Dockerfile, opts: ResolveOptions = {}): BuildPlan {
  const buildArgs = opts.buildArgs ?? {};
  const used = new Set<string>();
  const metaArgs: Record<string, string> = {};
  for (const arg of df.metaArgs) {
    for (const { key, value } of arg.args) {
      used.add(key);
      const v = Object.hasOwn(buildArgs, key) ? buildArgs[key] : value === undefined ? undefined : word(value, metaArgs, df.escape, arg.line);
      if (v !== undefined) metaArgs[key] = v;
    }
  }
  const all: ResolvedStage[] = [];
  const names = df.stages.map((st) => word(st.from.name, metaArgs, df.escape, st.from.line).toLowerCase());
  for (const stage of df.stages) {
    const f = stage.from;
    const name = word(f.name, metaArgs, df.escape, f.line).toLowerCase();
    const image = word(f.image, metaArgs, df.escape, f.line);
    if (!image) throw new LineError(f.line, `base name (${f.image}) should not be blank`);
    if (name && all.some((s) => s.name === name)) throw new LineError(f.line, `duplicate stage name "${name}"`);
    const resolved: ResolvedStage = {
      index: stage.index,
      name,
      platform: word(f.platform, metaArgs, df.escape, f.line),
      base: baseSource(image, all),
      from: f,
      instructions: stage.instructions,
      copyFrom: new Map(),
    };
    resolveCopyFrom(resolved, names, df, used);
    all.push(resolved);
  }
  const target = targetIndex(all, opts.target);
  return { metaArgs, stages: all, target, order: buildOrder(all, target), unusedBuildArgs: Object.keys(buildArgs).filter((k) => !used.has(k) && !builtinBuildArgs.has(k)).sort() };
}

function word(text: string, vars: Record<string, string>, escape: string, line: number): string {
  try {
    return processWord(text, vars, { escape });
  } catch (err) {
    throw new LineError(line, (err as Error).message);
  }
}

// `FROM x`: scratch, an earlier stage's name, or an image reference.
function baseSource(image: string, earlier: ResolvedStage[]): Source {
  if (image.toLowerCase() === 'scratch') return { kind: 'scratch' };
  const stage = earlier.find((s) => s.name && s.name === image.toLowerCase());
  return stage ? { kind: 'stage', index: stage.index } : { kind: 'image', ref: image };
}

// COPY --from is never expanded (docker's rule); BuildKit now says so instead of failing later, and so do we.
function resolveCopyFrom(stage: ResolvedStage, names: string[], df: Dockerfile, used: Set<string>): void {
  stage.instructions.forEach((instr, i) => {
    if (instr.kind === 'ARG') for (const a of instr.args) used.add(a.key);
    if (instr.kind !== 'COPY' || !instr.from) return;
    if (word(instr.from, {}, df.escape, instr.line) !== instr.from) {
      throw new LineError(instr.line, 'variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround');
    }
    stage.copyFrom.set(i, copySource(instr.from, names, stage.index, instr.line));
  });
}

/** `--from=<name|index|image>` in stage `current`: a stage of the file (by name or index), or an image reference. */
export function copySource(from: string, stageNames: readonly string[], current: number, line: number): Source {
  if (/^\d+$/.test(from)) {
    const index = Number(from);
    // docker's classic builder wording (buildStages.validateIndex)
    if (index === current) throw new LineError(line, `invalid from flag value ${from}: refers to current build stage`);
    if (index >= stageNames.length) throw new LineError(line, `invalid from flag value ${from}: index out of bounds`);
    return { kind: 'stage', index };
  }
  const index = stageNames.indexOf(from.toLowerCase());
  if (index >= 0 && from !== '') return { kind: 'stage', index };
  if (from.toLowerCase() === 'scratch') return { kind: 'scratch' };
  return { kind: 'image', ref: from };
}

function targetIndex(all: ResolvedStage[], target: string | undefined): number {
  if (!target) return all.length - 1;
  const at = all.findIndex((s) => s.name && s.name === target.toLowerCase());
  if (at < 0) throw new Error(`failed to reach build target ${target} in Dockerfile`);
  return at;
}

// Depth-first over base and COPY --from edges; meeting a stage still on the path is a cycle.
function buildOrder(all: ResolvedStage[], target: number): number[] {
  const order: number[] = [];
  const state = new Map<number, 'visiting' | 'done'>();
  const visit = (index: number, line: number) => {
    const stage = all[index];
    if (state.get(index) === 'done') return;
    if (state.get(index) === 'visiting') throw new LineError(line, `circular dependency detected on stage: ${stage.name || index}`);
    state.set(index, 'visiting');
    if (stage.base.kind === 'stage') visit(stage.base.index, stage.from.line);
    for (const [i, src] of stage.copyFrom) if (src.kind === 'stage') visit(src.index, stage.instructions[i].line);
    state.set(index, 'done');
    order.push(index);
  };
  visit(target, all[target].from.line);
  return order;
}
