// Running containers after `start` (start.ts): exit handling, restart policies, stop/kill, removal.
import { readFile, rm, access } from 'node:fs/promises';
import { constants } from 'node:os';
import type { ContainerRecord, ContainerState } from '../types.ts';
import { conflict, internal, invalidArgument } from '../../lib/errors.ts';
import { log, paths, type Ctx, type Live } from './context.ts';
import { dropHeldConmon } from './launch.ts';
import { deleteStopped, runtimeKill, runtimeVerb } from './runtime.ts';
import { decideRestart } from './restart.ts';
import { emitContainer, emitExit, signalNumber } from './events.ts';
import { releaseMounts, removeAnonymousVolumes } from './volume-use.ts';
import { settleLogRotation } from './log-driver.ts';
import { startLocked } from './start.ts';

const debug = process.env.SKIFF_LOG === 'debug';
export const zeroTime = '0001-01-01T00:00:00Z';

/** ISO time with nanoseconds, increasing within this process (records sort by it). */
let lastNs = 0n;
export function nowNano(): string {
  let ns = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
  if (ns <= lastNs) ns = lastNs + 1n;
  lastNs = ns;
  const sec = ns / 1_000_000_000n;
  return `${new Date(Number(sec) * 1000).toISOString().slice(0, 19)}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}Z`;
}

export const isActive = (s: ContainerState) => s.status === 'running' || s.status === 'paused' || s.status === 'restarting';

export function liveOf(ctx: Ctx, id: string): Live {
  let l = ctx.live.get(id);
  if (!l) {
    l = { chain: Promise.resolve(), run: 0, exited: Promise.resolve(), markExited: () => {}, exitHandled: true, conmonPid: 0, startedMs: 0, pending: [], canceled: false, backoffMs: 0, restartTimer: null, held: null };
    ctx.live.set(id, l);
  }
  return l;
}

/** Run `fn` after every earlier lifecycle operation of the container `id`. */
export function serialize<T>(ctx: Ctx, id: string, fn: () => Promise<T>): Promise<T> {
  const l = liveOf(ctx, id);
  const next = l.chain.then(fn, fn);
  l.chain = next.catch(() => {});
  return next;
}

export function newExitSignal(l: Live): void {
  let mark!: () => void;
  l.exited = new Promise<void>((r) => (mark = r));
  l.markExited = mark;
  l.exitHandled = false;
}

export function notify(ctx: Ctx, rec: ContainerRecord, event: 'exit' | 'removed' | 'start-failed'): void {
  if (debug) log.debug(`${event} ${rec.id.slice(0, 12)}: waiters told`);
  const list = ctx.waiters.get(rec.id);
  if (!list?.length) return;
  // as docker: removal clears the error (State.SetRemoved), so `removed` waiters (`run --rm`) get the exit
  // code alone, and a start failure is reported once, by the start request, not again as a wait error
  const error = event !== 'removed' && rec.state.error ? { Error: { Message: rec.state.error } } : {};
  const result = { StatusCode: rec.state.exitCode, ...error };
  const keep = list.filter((w) => {
    // a failed start is not an exit (docker never ran the process): `next-exit` waiters keep waiting and the
    // client reports the start error alone; `not-running` holds, so those answer
    // an exit answers `not-running` too even when a restart policy brings the container back (docker's
    // SetRestarting notifies its waiters): the exit is reported, then the restart happens
    const fire = event === 'removed' || (w.condition !== 'removed' && event === 'exit') || (w.condition === 'not-running' && !isActive(rec.state));
    if (fire) w.resolve(result);
    return !fire;
  });
  if (keep.length) ctx.waiters.set(rec.id, keep);
  else ctx.waiters.delete(rec.id);
}

async function exitCodeOf(ctx: Ctx, id: string): Promise<number | null> {
  const p = paths(ctx, id);
  for (const f of [p.exitFile, `${p.userdata}/exit`]) {
    try {
      const n = Number((await readFile(f, 'utf8')).trim());
      if (Number.isInteger(n)) return n < 0 ? 255 : n;
    } catch {}
  }
  return null;
}

export const exists = (p: string) => access(p).then(() => true, () => false);

/**
 * Record the exit of run `run`: state, runtime cleanup, rootfs unmount; then the restart policy or
 * --rm. Idempotent: only the first call for a run does anything.
 */
export async function processExit(ctx: Ctx, rec: ContainerRecord, run: number): Promise<void> {
  const l = liveOf(ctx, rec.id);
  if (l.run !== run || l.exitHandled || !ctx.store.tryFind(rec.id)) return;
  l.exitHandled = true;
  await settleLogRotation(rec);
  const p = paths(ctx, rec.id);
  const [code, oom] = await Promise.all([exitCodeOf(ctx, rec.id), exists(p.oomFile)]);
  const exitCode = code ?? 255;
  const runMs = Date.now() - l.startedMs;
  rec.state = { ...rec.state, status: 'exited', pid: 0, exitCode, oomKilled: oom, finishedAt: nowNano() };
  emitExit(ctx, rec);
  const decision = decideRestart({
    policy: rec.spec.host.restartPolicy, exitCode, stoppedByUser: rec.state.stoppedByUser, canceled: l.canceled,
    restartCount: rec.state.restartCount, runMs, backoffMs: l.backoffMs,
  });
  // waiters hear of the exit as soon as it is recorded; runtime state and rootfs are cleaned up after,
  // still within this container's turn, so a following start waits for them
  const cleanup = () => Promise.all([
    deleteStopped(ctx.runtimeFor(rec), rec).catch((err) => log.warn('runtime delete failed', { id: rec.id, err })),
    ctx.snapshotter.unmount(rec.id).catch((err) => log.warn('unmount failed', { id: rec.id, err })),
    releaseMounts(ctx, rec).catch((err) => log.warn('could not release volumes', { id: rec.id, err })),
    ctx.network?.tearDown(rec).catch((err) => log.warn('network teardown failed', { id: rec.id, err })),
    rm(p.exitFile, { force: true }),
  ]);
  if (rec.spec.host.autoRemove && !decision.restart) {
    notify(ctx, rec, 'exit');
    await removeLocked(ctx, rec, cleanup);
    return;
  }
  if (decision.restart) {
    l.backoffMs = decision.delayMs;
    rec.state = { ...rec.state, status: 'restarting' };
  }
  await ctx.store.save(rec);
  notify(ctx, rec, 'exit');
  await cleanup();
  if (decision.restart) scheduleRestart(ctx, rec, decision.delayMs);
}

function scheduleRestart(ctx: Ctx, rec: ContainerRecord, delayMs: number): void {
  const l = liveOf(ctx, rec.id);
  if (l.restartTimer) clearTimeout(l.restartTimer);
  l.restartTimer = setTimeout(() => {
    l.restartTimer = null;
    serialize(ctx, rec.id, async () => {
      if (rec.state.status !== 'restarting' || !ctx.store.tryFind(rec.id)) return;
      // still `restarting` while it starts (as docker): a `stop` meanwhile is queued, not answered 304
      rec.state = { ...rec.state, restartCount: rec.state.restartCount + 1 };
      await startLocked(ctx, rec);
    }).catch((err) => log.warn('restart failed', { id: rec.id, err }));
  }, delayMs);
  l.restartTimer.unref();
}

/** Cancel a pending restart (stop, kill, rm): the container rests as exited. */
function cancelRestart(ctx: Ctx, rec: ContainerRecord): boolean {
  const l = liveOf(ctx, rec.id);
  l.canceled = true;
  if (l.restartTimer) clearTimeout(l.restartTimer);
  l.restartTimer = null;
  if (rec.state.status !== 'restarting') return false;
  rec.state = { ...rec.state, status: 'exited' };
  return true;
}

/** The exit watcher saw conmon's exit file for `id`. */
export function onExitFile(ctx: Ctx, id: string): void {
  const rec = ctx.store.tryFind(id);
  const l = ctx.live.get(id);
  if (!rec || rec.id !== id || !l || l.exitHandled) return;
  if (debug) log.debug(`exit ${id.slice(0, 12)}: exit file seen`);
  l.markExited();
  const run = l.run;
  serialize(ctx, id, () => processExit(ctx, rec, run)).catch((err) => log.warn('exit handling failed', { id, err }));
}

async function waitExit(l: Live, ms: number): Promise<boolean> {
  if (ms < 0) {
    await l.exited;
    return true;
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)));
  const done = await Promise.race([l.exited.then(() => true), timeout]);
  clearTimeout(timer);
  return done;
}

/** Stop: the stop signal, up to `timeoutSec`, then SIGKILL. Caller holds the lifecycle turn. */
export async function stopLocked(ctx: Ctx, rec: ContainerRecord, opts: { timeoutSec?: number; signal?: string }): Promise<void> {
  const wasRestarting = cancelRestart(ctx, rec);
  rec.state = { ...rec.state, stoppedByUser: true };
  if (wasRestarting) {
    await ctx.store.save(rec);
    notify(ctx, rec, 'exit');
    return;
  }
  if (rec.state.status !== 'running' && rec.state.status !== 'paused') return;
  const l = liveOf(ctx, rec.id);
  const rt = ctx.runtimeFor(rec);
  const run = l.run;
  const signal = normalizeSignal(opts.signal || rec.spec.stopSignal || 'SIGTERM');
  const timeoutSec = opts.timeoutSec ?? rec.spec.stopTimeout ?? 10;
  await runtimeKill(rt, rec.id, signal).catch((err) => log.debug('stop signal not delivered', { id: rec.id, err }));
  emitContainer(ctx, rec, 'kill', { signal: signalNumber(signal) });
  if (rec.state.status === 'paused') await runtimeVerb(rt, ['resume', rec.id]).catch(() => {});
  if (!(await waitExit(l, timeoutSec < 0 ? -1 : timeoutSec * 1000))) {
    await runtimeKill(rt, rec.id, 'KILL').catch((err) => log.debug('SIGKILL not delivered', { id: rec.id, err }));
    emitContainer(ctx, rec, 'kill', { signal: '9' });
    if (!(await waitExit(l, 30_000))) throw internal(`container ${rec.id} did not exit after SIGKILL`);
  }
  await processExit(ctx, rec, run);
  emitContainer(ctx, rec, 'stop');
}

/** `ref` is the container as the caller named it, for docker's words ("Cannot kill container: web: …"). */
export async function killContainer(ctx: Ctx, rec: ContainerRecord, signal: string, ref = rec.id): Promise<void> {
  const sig = normalizeSignal(signal);
  if (rec.state.status !== 'running' && rec.state.status !== 'paused') {
    throw conflict(`Cannot kill container: ${ref}: container ${rec.id} is not running`);
  }
  const stopSig = normalizeSignal(rec.spec.stopSignal || 'SIGTERM');
  const l = liveOf(ctx, rec.id);
  if (sig === stopSig) l.canceled = true;
  rec.state = { ...rec.state, stoppedByUser: true };
  const rt = ctx.runtimeFor(rec);
  const run = l.run;
  await runtimeKill(rt, rec.id, sig);
  emitContainer(ctx, rec, 'kill', { signal: signalNumber(sig) });
  if (sig !== 'KILL') return;
  // as docker: a SIGKILL answers once the exit is recorded, so an inspect right after shows it
  if (rec.state.status === 'paused') await runtimeVerb(rt, ['resume', rec.id]).catch((err) => log.debug('resume after kill', { id: rec.id, err }));
  if (!(await waitExit(l, 30_000))) throw internal(`container ${rec.id} did not exit after SIGKILL`);
  await serialize(ctx, rec.id, () => processExit(ctx, rec, run));
}

const signalNumbers: Record<string, string> = { 1: 'HUP', 2: 'INT', 3: 'QUIT', 9: 'KILL', 10: 'USR1', 12: 'USR2', 15: 'TERM', 17: 'CHLD', 18: 'CONT', 19: 'STOP', 28: 'WINCH' };
const rtMin = 34;
const rtMax = 64;

/**
 * A signal as docker's ParseSignal takes it (`KILL`, `SIGUSR1`, `9`, `RTMIN+3`), refused in its words when
 * unknown: crun reads an unknown name as signal 0 and `kill -s BOGUS` would answer 204 and do nothing.
 * Real-time signals go to the runtime by number.
 */
export function normalizeSignal(s: string): string {
  const t = s.trim().toUpperCase().replace(/^SIG/, '');
  if (/^\d+$/.test(t)) {
    if (Number(t) < 1 || Number(t) > rtMax) throw invalidArgument(`Invalid signal: ${s}`);
    return signalNumbers[Number(t)] ?? String(Number(t));
  }
  const rt = /^RT(MIN|MAX)(?:([+-])(\d+))?$/.exec(t);
  if (rt) {
    const n = (rt[1] === 'MIN' ? rtMin : rtMax) + (rt[2] === '-' ? -1 : 1) * Number(rt[3] ?? 0);
    if (n < rtMin || n > rtMax || (rt[1] === 'MIN' && rt[2] === '-') || (rt[1] === 'MAX' && rt[2] === '+')) throw invalidArgument(`Invalid signal: ${s}`);
    return String(n);
  }
  if (t === 'CLD' || t === 'POLL' || t === 'IOT') return t === 'CLD' ? 'CHLD' : t === 'POLL' ? 'IO' : 'ABRT';
  if (!(`SIG${t}` in constants.signals)) throw invalidArgument(`Invalid signal: ${s}`);
  return t;
}

/**
 * Delete a stopped container. The record goes first (one atomic rename), so `removed` waiters are answered
 * at once; then runtime leftovers (`before`), the rootfs and the files. Caller holds the lifecycle turn.
 */
export async function removeLocked(ctx: Ctx, rec: ContainerRecord, before?: () => Promise<unknown>, opts: { volumes?: boolean } = {}): Promise<void> {
  const l = liveOf(ctx, rec.id);
  cancelRestart(ctx, rec);
  dropHeldConmon(ctx, rec.id);
  rec.state = { ...rec.state, status: 'removing' };
  for (const a of l.pending.splice(0)) a.abort();
  await ctx.store.trash(rec.id);
  emitContainer(ctx, rec, 'destroy');
  notify(ctx, rec, 'removed');
  await before?.();
  await ctx.network?.tearDown(rec).catch((err) => log.warn('network teardown failed', { id: rec.id, err }));
  await purgeRemoved(ctx, rec);
  // `rm -v`, and always for --rm containers (docker's auto-remove takes the anonymous volumes too)
  if (opts.volumes ?? rec.spec.host.autoRemove) await removeAnonymousVolumes(ctx, rec).catch((err) => log.warn('could not remove volumes', { id: rec.id, err }));
  ctx.live.delete(rec.id);
}

/** Rootfs, runtime state and files of a removed container (also after a crash mid-removal). */
export async function purgeRemoved(ctx: Ctx, rec: ContainerRecord): Promise<void> {
  await ctx.snapshotter.remove(rec.id);
  await Promise.all([ctx.store.purge(rec.id), rm(paths(ctx, rec.id).exitFile, { force: true })]);
}

/** Force-remove: kill, wait for the exit, then remove. */
export async function forceStopForRemoval(ctx: Ctx, rec: ContainerRecord): Promise<void> {
  cancelRestart(ctx, rec);
  if (rec.state.status !== 'running' && rec.state.status !== 'paused') return;
  const l = liveOf(ctx, rec.id);
  const rt = ctx.runtimeFor(rec);
  const run = l.run;
  l.canceled = true;
  await runtimeKill(rt, rec.id, 'KILL').catch(() => {});
  emitContainer(ctx, rec, 'kill', { signal: '9' });
  if (rec.state.status === 'paused') await runtimeVerb(rt, ['resume', rec.id]).catch(() => {});
  if (!(await waitExit(l, 30_000))) throw internal(`container ${rec.id} did not exit after SIGKILL`);
  // the exit is recorded but --rm and restart policies do not apply: it is being removed
  l.exitHandled = false;
  const keepAuto = rec.spec.host.autoRemove;
  rec.spec.host.autoRemove = false;
  try {
    await processExit(ctx, rec, run);
  } finally {
    rec.spec.host.autoRemove = keepAuto;
  }
}
