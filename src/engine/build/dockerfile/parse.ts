// Dockerfile text → directives, meta ARGs and stages of typed, line-numbered instructions.
import { invalidArgument } from '../../../lib/errors.ts';
import { parseInstruction } from './instructions.ts';
import { LineError, splitLines } from './lines.ts';
import { resolveStages, type BuildPlan, type ResolveOptions } from './stages.ts';
import type { Dockerfile, Instruction, Stage } from './types.ts';

export interface ParseOptions {
  /** The name errors start with (the -f file's name); default `Dockerfile`. */
  file?: string;
}

/** Parse a Dockerfile; bad input throws invalidArgument(`Dockerfile:<line>: <docker's message>`). */
export function parseDockerfile(text: string, opts: ParseOptions = {}): Dockerfile {
  return located(opts, () => {
    const split = splitLines(text);
    if (!split.lines.length) throw new LineError(0, 'file with no instructions');
    const stages: Stage[] = [];
    const metaArgs: Dockerfile['metaArgs'] = [];
    for (const raw of split.lines) {
      const parsed = parseInstruction(raw, split.escape);
      if (parsed.kind === 'FROM') {
        stages.push({ index: stages.length, from: parsed, instructions: [] });
      } else if (!stages.length) {
        if (parsed.kind !== 'ARG') throw new LineError(raw.line, 'no build stage in current context');
        metaArgs.push(parsed);
      } else {
        stages[stages.length - 1].instructions.push(parsed as Instruction);
      }
    }
    if (!stages.length) throw new LineError(split.lines[split.lines.length - 1].line, 'no build stage in current context');
    return { directives: split.directives, escape: split.escape, metaArgs, stages, warnings: split.warnings };
  });
}

/** One ONBUILD trigger (the image's OnBuild text) as an instruction, as docker re-parses it in the child build. */
export function parseTrigger(expression: string, opts: ParseOptions = {}): Instruction {
  return located(opts, () => {
    const { lines, escape } = splitLines(expression);
    if (lines.length !== 1) throw new Error('onbuild trigger should be a single expression');
    const parsed = parseInstruction(lines[0], escape);
    if (parsed.kind === 'FROM') throw new LineError(lines[0].line, "FROM isn't allowed as an ONBUILD trigger");
    return parsed;
  });
}

/** Parse and resolve stages in one step (FROM expansion, --target, COPY --from). */
export function planBuild(text: string, opts: ParseOptions & ResolveOptions = {}): { dockerfile: Dockerfile; plan: BuildPlan } {
  const dockerfile = parseDockerfile(text, opts);
  const plan = located(opts, () => resolveStages(dockerfile, opts));
  return { dockerfile, plan };
}

// LineErrors become the typed InvalidArgument with docker's `<file>:<line>: ` prefix.
function located<T>(opts: ParseOptions, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof LineError) {
      const where = err.line > 0 ? `${opts.file ?? 'Dockerfile'}:${err.line}: ` : `${opts.file ?? 'Dockerfile'}: `;
      throw invalidArgument(where + err.message, err);
    }
    if (err instanceof Error && !('kind' in err)) throw invalidArgument(err.message, err);
    throw err;
  }
}
