// One Dockerfile instruction as a build step, docker's classic builder semantics: every step makes an image
// (config-only steps an empty layer), found in the step cache when its key matches. The key is the parent
// image + the step as it will run (expanded words, build args in effect, the config it runs under) + for
// COPY/ADD the content hash of the sources; history's created_by is docker's (`/bin/sh -c #(nop)  ENV …`).
import { posix } from 'node:path';
import type { Digest, ImageConfig } from '../../types.ts';
import type { Instruction, Scope } from '../dockerfile/index.ts';
import { builtinBuildArgs } from '../dockerfile/index.ts';
import { stepKey } from './cache.ts';
import { runStep } from './run-step.ts';
import { copyStep } from './copy-step.ts';
import { ensureDir } from './copy.ts';
import type { BuildDeps, StageState } from './state.ts';
import { normalizeSignal } from '../../containers/index.ts';
import { invalidArgument } from '../../../lib/errors.ts';
import { shortId } from '../../../lib/ids.ts';

/** Go's %q of a []string: how docker's history writes CMD ["a" "b"] */
const goStrings = (xs: readonly string[]) => `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;
const DEFAULT_SHELL = ['/bin/sh', '-c'];
type CommandInstruction = Extract<Instruction, { kind: 'RUN' | 'CMD' | 'ENTRYPOINT' }>;

/** Run one (expanded) instruction on the stage's state: state.image and state.config move on. */
export async function dispatch(d: BuildDeps, st: StageState, x: Instruction): Promise<void> {
  const c = st.config;
  switch (x.kind) {
    case 'ENV':
      c.Env = setEnv(c.Env ?? [], x.env);
      return configStep(d, st, `ENV ${x.env.map((e) => `${e.key}=${e.value}`).join(' ')}`);
    case 'LABEL':
      c.Labels = { ...c.Labels, ...Object.fromEntries(x.labels.map((l) => [l.key, l.value])) };
      return configStep(d, st, `LABEL ${x.labels.map((l) => `${l.key}=${l.value}`).join(' ')}`);
    case 'ARG':
      return configStep(d, st, `ARG ${x.args.map((a) => (a.value === undefined ? a.key : `${a.key}=${a.value}`)).join(' ')}`);
    case 'MAINTAINER':
      st.author = x.maintainer;
      return configStep(d, st, `MAINTAINER ${x.maintainer}`);
    case 'CMD':
      c.Cmd = commandOf(x, c);
      st.cmdSet = true;
      return configStep(d, st, `CMD ${goStrings(c.Cmd)}`);
    case 'ENTRYPOINT':
      c.Entrypoint = commandOf(x, c);
      if (!st.cmdSet) c.Cmd = null; // an ENTRYPOINT resets a CMD the base image set, not one this stage set
      return configStep(d, st, `ENTRYPOINT ${goStrings(c.Entrypoint)}`);
    case 'SHELL':
      c.Shell = [...x.shell];
      return configStep(d, st, `SHELL ${goStrings(x.shell)}`);
    case 'EXPOSE': {
      const ports = x.ports.flatMap(exposedPorts);
      c.ExposedPorts = { ...c.ExposedPorts, ...Object.fromEntries(ports.map((p) => [p, {}])) };
      return configStep(d, st, `EXPOSE ${ports.join(' ')}`);
    }
    case 'USER':
      c.User = x.user;
      return configStep(d, st, `USER ${x.user}`);
    case 'VOLUME':
      for (const v of x.volumes) if (!v.trim()) throw invalidArgument('VOLUME specified can not be an empty string');
      c.Volumes = { ...c.Volumes, ...Object.fromEntries(x.volumes.map((v) => [v, {}])) };
      return configStep(d, st, `VOLUME [${x.volumes.join(' ')}]`);
    case 'STOPSIGNAL':
      normalizeSignal(x.signal); // a bad signal fails here, with the line, not when a container stops
      c.StopSignal = x.signal;
      return configStep(d, st, `STOPSIGNAL ${x.signal}`);
    case 'HEALTHCHECK':
      c.Healthcheck = { ...x.health };
      return configStep(d, st, `HEALTHCHECK ${JSON.stringify(x.health)}`);
    case 'ONBUILD':
      c.OnBuild = [...(c.OnBuild ?? []), x.expression];
      return configStep(d, st, `ONBUILD ${x.expression}`);
    case 'WORKDIR':
      return workdirStep(d, st, x.path);
    case 'RUN':
      return runInstruction(d, st, x);
    case 'COPY':
    case 'ADD':
      return copyStep(d, st, x);
  }
}

/** exec form as written; shell form under the stage's SHELL */
function commandOf(x: CommandInstruction, c: ImageConfig['config']): string[] {
  return x.prependShell ? [...(c.Shell ?? DEFAULT_SHELL), x.command.join(' ')] : [...x.command];
}

function setEnv(env: string[], kvs: Array<{ key: string; value: string }>): string[] {
  const out = [...env];
  for (const { key, value } of kvs) {
    const at = out.findIndex((e) => e === key || e.startsWith(key + '='));
    if (at >= 0) out[at] = `${key}=${value}`;
    else out.push(`${key}=${value}`);
  }
  return out;
}

/** `80`, `80/udp`, `8000-8002/tcp` → docker's `80/tcp` keys */
function exposedPorts(spec: string): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(spec);
  if (!m) throw invalidArgument(`invalid containerPort: ${spec}`);
  const [lo, hi = lo] = [Number(m[1]), m[2] === undefined ? undefined : Number(m[2])];
  if (lo < 1 || hi > 65535 || hi < lo) throw invalidArgument(`invalid containerPort: ${spec}`);
  return Array.from({ length: hi - lo + 1 }, (_, i) => `${lo + i}/${(m[3] ?? 'tcp').toLowerCase()}`);
}

/** A cache hit moves the state on; false: the step must run. */
async function fromCache(d: BuildDeps, st: StageState, key: string): Promise<boolean> {
  if (d.noCache) return false;
  const hit = await d.cache.lookup(key);
  if (!hit) return false;
  d.say(' ---> Using cache\n');
  st.image = hit;
  return true;
}

function moved(d: BuildDeps, st: StageState, image: Digest, key: string, description: string): void {
  d.cache.record(key, image, description);
  st.image = image;
}

/** A step that only changes the config: an image with no new layer (empty_layer in its history). */
export async function configStep(d: BuildDeps, st: StageState, description: string): Promise<void> {
  const createdBy = `/bin/sh -c #(nop)  ${description}`;
  const key = stepKey(['config', st.image ?? 'scratch', createdBy, JSON.stringify(st.config), st.author]);
  if (!(await fromCache(d, st, key))) {
    const img = await d.images.commit(null, { parent: st.image ?? undefined, config: structuredClone(st.config), createdBy, author: st.author });
    moved(d, st, img.id, key, description);
  }
  d.say(` ---> ${shortId(st.image!)}\n`);
}

async function workdirStep(d: BuildDeps, st: StageState, path: string): Promise<void> {
  const dir = posix.resolve(st.config.WorkingDir || '/', path);
  st.config.WorkingDir = dir;
  const createdBy = `/bin/sh -c #(nop) WORKDIR ${dir}`;
  const key = stepKey(['workdir', st.image ?? 'scratch', createdBy, JSON.stringify(st.config), st.author]);
  if (!(await fromCache(d, st, key))) {
    const id = await d.fsStep(st, createdBy, (root) => ensureDir(root, dir));
    moved(d, st, id, key, `WORKDIR ${dir}`);
  }
  d.say(` ---> ${shortId(st.image!)}\n`);
}

/** The build args a RUN sees: the stage's declared ARGs ENV does not shadow, then the proxy args given. */
function argEnvOf(d: BuildDeps, scope: Scope): { declared: string[]; proxies: string[] } {
  const declared = Object.keys(scope.args).filter((k) => !Object.hasOwn(scope.env, k)).sort().map((k) => `${k}=${scope.args[k]}`);
  const proxies = Object.entries(d.buildArgs).filter(([k]) => builtinBuildArgs.has(k) && !Object.hasOwn(scope.args, k)).map(([k, v]) => `${k}=${v}`);
  return { declared, proxies };
}

async function runInstruction(d: BuildDeps, st: StageState, x: CommandInstruction): Promise<void> {
  if (!st.image) throw invalidArgument('cannot RUN on an image with no root filesystem: FROM scratch has no shell to run');
  const argv = x.prependShell ? [...(st.config.Shell ?? DEFAULT_SHELL), heredocScript(x)] : [...x.command];
  const { declared, proxies } = argEnvOf(d, st.scope);
  const createdBy = (declared.length ? `|${declared.length} ${declared.join(' ')} ` : '') + argv.join(' ');
  const key = stepKey(['run', st.image, createdBy, JSON.stringify(st.config), st.author, d.networkMode]);
  if (!(await fromCache(d, st, key))) {
    const id = await runStep(d.containers, {
      parent: st.image, config: structuredClone(st.config), argv, argEnv: [...declared, ...proxies], createdBy,
      networkMode: d.networkMode, host: d.stepHost, rm: d.rm, forceRm: d.forceRm, say: d.say, later: d.later, signal: d.signal,
    });
    moved(d, st, id, key, `RUN ${argv.join(' ')}`);
  }
  d.say(` ---> ${shortId(st.image!)}\n`);
}

/**
 * A shell-form RUN with heredocs, as BuildKit runs it: `RUN <<EOF` alone runs the body as the script;
 * otherwise the shell gets the line and the bodies with their terminators (sh reads heredocs itself).
 */
function heredocScript(x: CommandInstruction): string {
  const line = x.command.join(' ');
  if (!x.files.length) return line;
  if (x.files.length === 1 && /^<<-?\s*(["']?)[^\s"']+\1\s*$/.test(line)) return x.files[0].data;
  return `${line}\n${x.files.map((f) => `${f.data}${f.data.endsWith('\n') || !f.data ? '' : '\n'}${f.name}\n`).join('')}`;
}
