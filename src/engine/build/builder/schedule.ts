// Independent stages of a multi-stage build run at the same time; the output still reads as docker's
// sequential builder prints it. Each stage starts once the stages it builds on or copies from are done;
// its output streams live while it is the earliest unfinished stage in the plan's order and is held until
// then otherwise. The first failure stops the others and is the build's error, after the output of the
// stages before it.
import type { ResolvedStage } from '../dockerfile/index.ts';

/** The stages `stage` waits for: its base and its COPY --from sources. */
export function stageDeps(stage: ResolvedStage): number[] {
  const deps = new Set<number>();
  if (stage.base.kind === 'stage') deps.add(stage.base.index);
  for (const src of stage.copyFrom.values()) if (src.kind === 'stage') deps.add(src.index);
  return [...deps];
}

/** One output sink per stage (by position in `order`), released in that order. */
function orderedOutput(count: number, write: (text: string) => void) {
  const held: string[][] = Array.from({ length: count }, () => []);
  const finished: boolean[] = new Array(count).fill(false);
  let current = 0;
  const release = () => {
    while (current < count && finished[current]) {
      current++;
      if (current < count) for (const t of held[current].splice(0)) write(t);
    }
  };
  return {
    sink: (at: number) => (text: string) => (at === current ? write(text) : held[at].push(text)),
    finish(at: number): void {
      finished[at] = true;
      release();
    },
  };
}

/**
 * Run `build(stage, say, signal)` for each stage of `order` (stage indexes, dependencies first), each as soon
 * as its dependencies are done. Rejects with the first failure once every stage has settled.
 */
export async function runStages(
  order: ResolvedStage[], write: (text: string) => void, signal: AbortSignal | undefined,
  build: (stage: ResolvedStage, say: (text: string) => void, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const out = orderedOutput(order.length, write);
  const done = new Map<number, Promise<void>>();
  let failure: { at: number; err: unknown } | undefined;
  order.forEach((stage, at) => {
    const deps = stageDeps(stage).map((i) => done.get(i)!);
    done.set(stage.index, (async () => {
      await Promise.all(deps);
      stop.signal.throwIfAborted();
      await build(stage, out.sink(at), stop.signal);
      out.finish(at);
    })().catch((err: unknown) => {
      // the first failure is the build's; the stages it stopped only report that they were stopped
      if (!failure) {
        failure = { at, err };
        stop.abort(err);
      }
      throw err;
    }));
  });
  try {
    await Promise.allSettled(done.values());
    signal?.throwIfAborted();
    if (failure) {
      for (let i = 0; i <= failure.at; i++) out.finish(i); // what came before the failing stage, then its own output
      throw failure.err;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
