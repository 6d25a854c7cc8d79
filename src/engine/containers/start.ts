// `start`: a created or exited container's process under conmon — rootfs, volumes, network sandbox, /etc
// files and the OCI bundle made while a held conmon loads, then released; and the undoing of a failed start.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { containerHostname, writeEtcFiles } from './etc-files.ts';
import type { ContainerRecord } from '../types.ts';
import { conflict, internal, invalidArgument, isKind } from '../../lib/errors.ts';
import { resolveInRoot } from '../../lib/tar.ts';
import { log, paths, type Ctx } from './context.ts';
import { buildOciSpec } from './spec.ts';
import { resolveUserInRootfs } from './user.ts';
import { startFailure } from './conmon.ts';
import { conmonForStart } from './launch.ts';
import { cgroupPathOf, fastStart, removeCgroups, runtimeDelete } from './runtime.ts';
import { bpfAnnotation } from './seccomp-cache.ts';
import { emitContainer } from './events.ts';
import { prepareMounts, releaseMounts } from './volume-use.ts';
import { resolveHostOptions } from './host-options.ts';
import { watchLogRotation } from './log-driver.ts';
import { rootfsPropagationFor } from './propagation.ts';
import { zeroTime, nowNano, isActive, liveOf, newExitSignal, notify, removeLocked } from './lifecycle.ts';

const debug = process.env.SKIFF_LOG === 'debug';

/** Start a created or exited container. Caller holds the container's lifecycle turn. */
export async function startLocked(ctx: Ctx, rec: ContainerRecord): Promise<void> {
  if (rec.state.status === 'running') return;
  if (rec.state.status === 'paused') throw conflict('cannot start a paused container, try unpause instead');
  const t0 = performance.now();
  const lap = (what: string) => debug && log.debug(`start ${rec.id.slice(0, 12)}: ${what}`, { ms: +(performance.now() - t0).toFixed(1) });
  const l = liveOf(ctx, rec.id);
  const p = paths(ctx, rec.id);
  const rt = ctx.runtimeFor(rec);
  const files = { hostname: p.hostname, hosts: p.hosts, resolvConf: p.resolvConf };
  // the sandbox (netns, CNI, ports, /etc files) is made while conmon spawns and the rootfs mounts
  const netReady = ctx.network ? ctx.network.setUp(rec, files) : writeEtcFiles(ctx, rec).then(() => ({ netnsPath: undefined }));
  netReady.catch(() => {}); // awaited below; not an unhandled rejection meanwhile
  let handle: Awaited<ReturnType<typeof conmonForStart>>;
  let layers: string[];
  try {
    layers = await ctx.layerPaths(rec.imageId);
    // conmon loads while the rootfs is mounted and the bundle written; it runs the runtime on go()
    handle = await conmonForStart(ctx, rec);
  } catch (err) {
    await afterFailedStart(ctx, rec, netReady);
    throw err;
  }
  lap('conmon spawned');
  let released = false;
  let pending: typeof l.pending = [];
  let volumePaths: Record<string, string> | null = null;
  try {
    // a --rm container's changes go with it: nothing of them is ever synced
    const rootfs = await ctx.snapshotter.mount(rec.id, layers, { volatile: rec.spec.host.autoRemove });
    lap('rootfs mounted');
    pending = l.pending.splice(0);
    const user = await resolveUserInRootfs(rootfs, rec.spec.user);
    if (rec.spec.workingDir && rec.spec.workingDir !== '/') {
      await mkdir(await resolveInRoot(rootfs, rec.spec.workingDir), { recursive: true }).catch((err) => log.debug('could not make the working dir: the runtime will say why', { id: rec.id, err }));
    }
    // a refused setting (a donor not running, an unknown group) is a failed start: recorded, --rm honoured
    const hostOptions = await resolveHostOptions(rec, rootfs, (ref) => ctx.store.tryFind(ref))
      .catch(async (err: Error) => { await cleanupFailedStart(ctx, rec, 128, err.message); throw err; });
    volumePaths = await prepareMounts(ctx, rec, rootfs);
    // shared/slave binds need a source mount that propagates, and a shared/rslave rootfs (docker's checks)
    const rootfsPropagation = await rootfsPropagationFor(rec.spec.host.mounts, volumePaths, ctx.root)
      .catch(async (err: Error) => { await cleanupFailedStart(ctx, rec, 128, err.message); throw err; });
    const net = await netReady;
    lap('network ready');
    const spec = buildOciSpec(rec, {
      hostOptions, netns: net.netnsPath,
      rootfs, user, hostname: containerHostname(rec), volumePaths,
      nofileHard: ctx.host.nofileHard, knownCaps: ctx.host.knownCaps, seccompProfile: ctx.host.seccompProfile,
      swapAccounting: ctx.host.swapAccounting, hostDevices: rec.spec.host.privileged ? ctx.host.hostDevices() : [],
      etcFiles: { hostname: p.hostname, hosts: p.hosts, resolvConf: p.resolvConf },
    });
    if (rootfsPropagation) spec.linux.rootfsPropagation = rootfsPropagation;
    const bpfKey = rt.name === 'crun' && spec.linux.seccomp ? ctx.bpf.key(spec.linux.seccomp) : null;
    const bpf = bpfKey ? ctx.bpf.get(bpfKey) : undefined;
    if (bpf) spec.annotations = { ...spec.annotations, [bpfAnnotation]: bpf };
    await writeFile(`${p.bundle}/config.json`, JSON.stringify(spec));
    lap('bundle written');
    l.run++;
    newExitSignal(l);
    released = true;
    handle.go();
    // relays connect while the runtime creates the container (they retry until the socket listens)
    const connected = pending.map((a) => a.connect(p.attachSocket).catch((err) => log.warn('attach failed', { id: rec.id, err })));
    const msg = await handle.sync.next().catch(() => null);
    lap('runtime create done');
    if (!msg || msg.data <= 0) {
      handle.release();
      l.markExited();
      l.exitHandled = true;
      const raw = msg?.message ?? (handle.stderr().trim() || 'conmon exited before the container was created');
      const failure = startFailure(raw, rec.path);
      await cleanupFailedStart(ctx, rec, failure.exitCode, failure.message);
      const text = `OCI runtime create failed: unable to start container process: ${failure.message}: unknown`;
      throw failure.exitCode === 128 ? internal(text) : invalidArgument(text);
    }
    if (bpfKey && !bpf) ctx.bpf.learn(bpfKey, `${rt.root}/${rec.id}`).catch((err) => log.debug('seccomp cache', { err }));
    await Promise.all(connected);
    lap('attached');
    // the record says running from the moment the process is released: it is written meanwhile (the
    // answer waits for it). Should the engine die in between, the container shows as running and can be
    // stopped, where a record still saying created would hide a live conmon.
    const before = rec.state;
    l.startedMs = Date.now();
    l.canceled = false;
    rec.state = { ...rec.state, status: 'running', pid: msg.data, exitCode: 0, oomKilled: false, error: '', startedAt: nowNano(), finishedAt: zeroTime, stoppedByUser: false };
    const saved = ctx.store.save(rec);
    saved.catch(() => {}); // awaited below; not an unhandled rejection meanwhile
    try {
      await fastStart(rt, rec.id);
    } catch (err) {
      rec.state = before;
      await saved.catch((err) => log.debug('record save after a failed start', { id: rec.id, err })); // the state was put back
      handle.release();
      await runtimeDelete(rt, rec.id).catch((err) => log.debug('runtime delete after a failed start', { id: rec.id, err }));
      await l.exited; // conmon sees the process die and writes the exit file
      l.exitHandled = true;
      const failure = startFailure(err instanceof Error ? err.message : String(err), rec.path);
      await cleanupFailedStart(ctx, rec, failure.exitCode, failure.message);
      throw internal(`OCI runtime start failed: ${failure.message}`);
    }
    lap('runtime start done');
    handle.release();
    // conmon wrote its pid file before the runtime ran; nothing on the way to the answer needs it
    const run = l.run;
    void readFile(p.conmonPidFile, 'utf8').then((t) => run === l.run && (l.conmonPid = Number(t) || 0), () => {});
    await saved;
    watchLogRotation(rec, p.ctlFifo);
    lap('record saved');
    emitContainer(ctx, rec, 'start');
  } catch (err) {
    // a conmon still held must be killed: closing its start pipe would let it go on
    if (!released) handle.abort();
    for (const a of pending) a.abort();
    if (volumePaths) await releaseMounts(ctx, rec).catch((e) => log.warn('could not release volumes', { id: rec.id, err: e }));
    if (!isKind(err, 'InvalidArgument') && !isKind(err, 'Internal')) await ctx.snapshotter.unmount(rec.id).catch((e) => log.debug('unmount after a failed start', { id: rec.id, err: e }));
    await afterFailedStart(ctx, rec, netReady);
    throw err;
  }
}

/** A failed start leaves no sandbox (netns, lease, rules); a --rm container goes, as docker's does. */
async function afterFailedStart(ctx: Ctx, rec: ContainerRecord, netReady: Promise<unknown>): Promise<void> {
  // a setUp that failed undid its own work (the `() => {}`); one that succeeded is undone here
  await netReady.then(() => ctx.network?.tearDown(rec), () => {}).catch((e) => log.warn('network teardown failed', { id: rec.id, err: e }));
  if (rec.spec.host.autoRemove && !isActive(rec.state) && ctx.store.tryFind(rec.id) === rec) {
    await removeLocked(ctx, rec).catch((e) => log.warn('could not remove a --rm container after its failed start', { id: rec.id, err: e }));
  }
}

async function cleanupFailedStart(ctx: Ctx, rec: ContainerRecord, exitCode: number, message: string): Promise<void> {
  // a failed create can leave crun's cgroups behind
  await Promise.all([
    runtimeDelete(ctx.runtimeFor(rec), rec.id).then(() => removeCgroups(cgroupPathOf(rec))).catch((err) => log.debug('runtime cleanup after a failed create', { id: rec.id, err })),
    ctx.snapshotter.unmount(rec.id).catch((err) => log.debug('unmount after a failed create', { id: rec.id, err })),
  ]);
  rec.state = { ...rec.state, status: rec.state.status === 'created' ? 'created' : 'exited', pid: 0, exitCode, error: message, finishedAt: rec.state.status === 'created' ? zeroTime : nowNano() };
  if (rec.spec.host.autoRemove) {
    await removeLocked(ctx, rec);
    return;
  }
  await ctx.store.save(rec);
  notify(ctx, rec, 'start-failed');
}
