// One build, start to end: read and plan the Dockerfile, build the stages the target needs (each once the
// stages it reads from are done, independent ones at the same time: schedule.ts), step by step with docker's
// legacy output, then tag. A failure names the Dockerfile line and leaves no tag; the steps that finished
// stay cached for the next try.
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import type { BuildMessage, BuildRequest, BuildResult, Digest, ImageConfig, TransferProgress } from '../../types.ts';
import type { BuildServiceOptions } from './service.ts';
import type { StepCache } from './cache.ts';
import type { BuildDeps, StageState } from './state.ts';
import { applyInstruction, copySource, newScope, parseTrigger, planBuild, type Instruction, type ResolvedStage } from '../dockerfile/index.ts';
import { openBuildContext } from '../context/index.ts';
import { dispatch } from './steps.ts';
import { runStages } from './schedule.ts';
import { parseReference, familiarString } from '../../images/index.ts';
import { resolveInRoot } from '../../../lib/tar.ts';
import { resolveAuthConfig } from '../../../lib/distribution/index.ts';
import { SkiffError, invalidArgument, notFound, internal, errnoCode, isKind } from '../../../lib/errors.ts';
import { newId, shortId } from '../../../lib/ids.ts';


export async function runBuild(
  o: BuildServiceOptions & { cache: StepCache }, req: BuildRequest, emit: (m: BuildMessage) => void, signal?: AbortSignal,
): Promise<BuildResult> {
  const file = req.dockerfile || 'Dockerfile';
  const tags = req.tags.map(checkTag); // a bad tag fails before any work
  const buildArgs = Object.fromEntries(Object.entries(req.buildArgs).filter((e): e is [string, string] => e[1] !== null));
  const text = await readDockerfile(req.contextDir, file);
  const name = relative('.', file) || 'Dockerfile';
  const { dockerfile, plan } = planBuild(text, { file: name, buildArgs, target: req.target });
  // quiet or not, everything is emitted: the caller holds it back (docker shows it only when the build fails)
  const say = (text: string) => emit({ stream: text });
  const results = new Map<number, Digest | null>();
  const pending: Promise<void>[] = [];
  const names = plan.stages.map((s) => s.name);
  const d: BuildDeps = {
    images: o.images, containers: o.containers, snapshotter: o.snapshotter, cache: o.cache,
    context: openBuildContext(req.contextDir, file), file: name, buildArgs,
    noCache: req.noCache, pull: req.pull, registryAuth: req.registryAuth ?? {}, rm: req.rm, forceRm: req.forceRm, networkMode: req.networkMode && req.networkMode !== 'default' ? req.networkMode : 'bridge',
    stepHost: { ...(req.extraHosts?.length ? { extraHosts: req.extraHosts } : {}), ...(req.shmSize ? { shmSize: req.shmSize } : {}) },
    say, signal, later: (work) => void pending.push(work),
    fsStep: (st, createdBy, fn) => fsStep(o, st, createdBy, fn),
    stageOf: (from) => {
      const src = copySource(from, names, -1, 0);
      return src.kind === 'stage' ? src.index : undefined;
    },
    stageImage: (index) => results.get(index) ?? null,
  };
  const labelStep = labelInstruction(req.labels);
  const stages = plan.order.map((i) => plan.stages[i]);
  const total = stages.reduce((n, s) => n + 1 + s.instructions.length, 0) + (labelStep ? 1 : 0);
  // each stage's step numbers are where docker's sequential builder would count them
  const firstStep = new Map<number, number>();
  stages.reduce((n, s) => (firstStep.set(s.index, n), n + 1 + s.instructions.length), 1);
  const ctx = { buildArgs, metaArgs: plan.metaArgs };
  try {
    await runStages(stages, say, signal, async (stage, sayStage, stop) => {
      const sd: BuildDeps = { ...d, say: sayStage, signal: stop };
      let step = firstStep.get(stage.index)!;
      sayStage(`Step ${step++}/${total} : ${stage.from.original}\n`);
      const st = await fromStage(sd, stage, results);
      const extra = stage.index === plan.target && labelStep ? [labelStep] : [];
      await runTriggers(sd, st, stage, ctx, dockerfile.escape);
      for (const instr of [...stage.instructions, ...extra]) {
        stop.throwIfAborted();
        sayStage(`Step ${step++}/${total} : ${instr.original}\n`);
        await atLine(name, instr.line, async () => {
          const x = applyInstruction(instr, st.scope, ctx, dockerfile.escape);
          await dispatch(sd, st, x);
        });
      }
      results.set(stage.index, st.image);
    });
    const made = results.get(plan.target);
    if (made) o.cache.result(made);
  } finally {
    await Promise.all(pending); // each logs its own failure
    await o.cache.flush(); // once per build: the steps it made (and its result) or only use counts
  }
  const id = results.get(plan.target);
  if (!id) throw invalidArgument('No image was generated. Is your Dockerfile empty?');
  for (const t of tags) await o.images.tag(id, t);
  if (plan.unusedBuildArgs.length) say(`[Warning] One or more build-args [${plan.unusedBuildArgs.join(' ')}] were not consumed\n`);
  emit({ aux: { ID: id } });
  say(`Successfully built ${shortId(id)}\n`);
  for (const t of tags) say(`Successfully tagged ${t}\n`);
  return { id, tags };
}

/** `-t`: docker's check and its familiar form (`app` → `app:latest`) */
function checkTag(tag: string): string {
  let ref;
  try {
    ref = parseReference(tag);
  } catch (err) {
    throw invalidArgument(`invalid tag "${tag}": invalid reference format`, err);
  }
  if (ref.digest) throw invalidArgument(`invalid tag "${tag}": a tag cannot hold a digest`);
  return familiarString(ref.tag ? ref : { ...ref, tag: 'latest' });
}

async function readDockerfile(contextDir: string, file: string): Promise<string> {
  try {
    return await readFile(await resolveInRoot(contextDir, file), 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR' || errnoCode(err) === 'EISDIR') {
      throw invalidArgument(`Cannot locate specified Dockerfile: ${file}`, err);
    }
    throw err;
  }
}

/** `--label`s go on the final image as one more LABEL step, as docker's classic builder adds them */
function labelInstruction(labels: Record<string, string>): Instruction | null {
  const kv = Object.entries(labels);
  if (!kv.length) return null;
  const original = `LABEL ${kv.map(([k, v]) => `${JSON.stringify(k)}=${JSON.stringify(v)}`).join(' ')}`;
  return { kind: 'LABEL', line: 0, endLine: 0, original, labels: kv.map(([k, v]) => ({ key: JSON.stringify(k), value: JSON.stringify(v) })) };
}

/** FROM: the base's image and config, a fresh variable scope over its ENV */
async function fromStage(d: BuildDeps, stage: ResolvedStage, results: Map<number, Digest | null>): Promise<StageState> {
  let image: Digest | null = null;
  let config: ImageConfig['config'] = {};
  if (stage.base.kind === 'stage') {
    image = results.get(stage.base.index) ?? null;
  } else if (stage.base.kind === 'image') {
    const ref = stage.base.ref;
    // docker's classic builder pulls a missing base, and with --pull always looks for a newer one, as the
    // client's entry for the image's registry (X-Registry-Config)
    const pull = async (why: string) => {
      const say = (p: TransferProgress) => { if (!p.progressDetail) d.say(`${p.id ? `${p.id}: ` : ''}${p.status}\n`); };
      return (await d.images.pull(ref, { auth: authForImage(d.registryAuth, ref), signal: d.signal }, say).catch((e: unknown) => {
        throw new SkiffError(e instanceof SkiffError ? e.kind : 'Unavailable', `FROM ${ref}: ${why}: ${(e as Error).message}`, { cause: e });
      })).id;
    };
    image = await atLine(d.file, stage.from.line, async () => {
      if (d.pull) return pull('--pull could not pull it');
      try {
        return (await d.images.get(ref)).id;
      } catch (err) {
        if (!isKind(err, 'NotFound')) throw err;
        return pull('no such image here, and pulling it failed');
      }
    });
  }
  if (image) config = structuredClone((await d.images.get(image)).config.config ?? {});
  if (image) d.say(` ---> ${shortId(image)}\n`);
  return { image, config, scope: newScope(config.Env ?? []), cmdSet: false };
}

/** the client's credentials for the registry a FROM image comes from (none: anonymous) */
function authForImage(configs: BuildDeps['registryAuth'], ref: string) {
  return resolveAuthConfig(configs, parseReference(ref).domain);
}

/** ONBUILD triggers of the base image run first, as if they followed FROM; the new image does not inherit them */
async function runTriggers(d: BuildDeps, st: StageState, stage: ResolvedStage, ctx: { buildArgs: Record<string, string>; metaArgs: Record<string, string> }, escape: string): Promise<void> {
  const triggers = st.config.OnBuild ?? [];
  if (!triggers.length) return;
  d.say(`# Executing ${triggers.length} build trigger${triggers.length === 1 ? '' : 's'}\n`);
  st.config.OnBuild = null;
  for (const expr of triggers) {
    await atLine(d.file, stage.from.line, async () => {
      const x = applyInstruction(parseTrigger(expr, { file: d.file }), st.scope, ctx, escape);
      await dispatch(d, st, x);
    });
  }
}

/** A step's failure names its Dockerfile line (`Dockerfile:7: COPY failed: …`), keeping its kind. */
async function atLine<T>(file: string, line: number, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const msg = (err as Error).message ?? String(err);
    if (line <= 0 || msg.startsWith(`${file}:`) || (err as Error).name === 'AbortError') throw err;
    const kind = err instanceof SkiffError ? err.kind : 'Internal';
    const exitCode = (err as { exitCode?: number }).exitCode;
    throw Object.assign(new SkiffError(kind, `${file}:${line}: ${msg}`, { cause: err }), exitCode === undefined ? {} : { exitCode });
  }
}

/** A files step: the parent's root mounted (volatile: the commit is what lasts), `fn` changes it, the upper dir becomes the layer. */
async function fsStep(o: BuildServiceOptions, st: StageState, createdBy: string, fn: (root: string) => Promise<void>): Promise<Digest> {
  const key = newId();
  try {
    const root = await o.snapshotter.mount(key, st.image ? await o.images.layerPaths(st.image) : [], { volatile: true });
    await fn(root);
    await o.snapshotter.unmount(key);
    const img = await o.images.commit(o.snapshotter.upperDir(key), { parent: st.image ?? undefined, config: structuredClone(st.config), createdBy, author: st.author });
    return img.id;
  } catch (err) {
    if (err instanceof SkiffError) throw err;
    throw internal(`${(err as Error).message}`, err);
  } finally {
    await o.snapshotter.remove(key);
  }
}
