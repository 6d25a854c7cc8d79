// The ContainerService: containers run under conmon with crun or runc, records on disk, state in memory.
import { mkdir } from 'node:fs/promises';
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { readdir } from 'node:fs/promises';
import type { ContainerNetworking, ContainerRecord, ContainerService, Digest, EventSink, ImageService, Snapshotter, VolumeService, WaitResult } from '../types.ts';
import { conflict, failedPrecondition, internal, invalidArgument, isKind } from '../../lib/errors.ts';
import { pruneUntil } from '../../lib/units.ts';
import { createContainerStore, checkName, nameConflict } from './store.ts';
import { cgroupPathOf, chooseRuntime, findBinary, runtimeByName, runtimeVerb, type Runtime, type RuntimeName } from './runtime.ts';
import { log, paths, readHostInfo, type Ctx, type HostInfo } from './context.ts';
import { createContainer } from './create.ts';
import {
  forceStopForRemoval, isActive, killContainer, liveOf, onExitFile, removeLocked, serialize, stopLocked,
} from './lifecycle.ts';
import { startLocked } from './start.ts';
import { filterContainers } from './filters.ts';
import { adoptAll } from './adopt.ts';
import { createAttachment } from './attach.ts';
import { readLogs } from './logs.ts';
import { updateContainer } from './update.ts';
import { dirSize } from '../../lib/disk-usage.ts';
import { keepsLog, stopLogRotation } from './log-driver.ts';
import { writeCtl, writeReopenLog } from './io.ts';
import { readStats, top } from './stats.ts';
import { getArchive, putArchive, statPath } from './archive.ts';
import { commitContainer, containerChanges, exportContainer } from './commit.ts';
import { createExecService } from './exec.ts';
import { createBpfCache } from './seccomp-cache.ts';
import { dropHeldConmon, holdConmon } from './launch.ts';
import { emitContainer } from './events.ts';
import { createHealthMonitor, execProbe } from './health.ts';
import { volumeUsers } from './volume-use.ts';

export interface ContainerServiceOptions {
  root: string;
  runRoot: string;
  runtime?: RuntimeName | 'auto';
  images: ImageService;
  snapshotter: Snapshotter;
  volumes: VolumeService;
  /** defaults to /usr/share/containers/seccomp.json and this host's limits */
  host?: HostInfo;
  events?: EventSink;
  /** the network room's hooks (create checks, sandboxes at start, teardown at exit) */
  network?: ContainerNetworking;
}

export interface ContainerEngine extends ContainerService {
  runtimeName: RuntimeName;
  /** stop watching exits; containers keep running */
  close(): Promise<void>;
  /** change a container in its lifecycle turn (network connect/disconnect), then save its record */
  modify(id: string, fn: (rec: ContainerRecord) => Promise<void>): Promise<void>;
}

export async function createContainerService(opts: ContainerServiceOptions): Promise<ContainerEngine> {
  const { runtime, why } = chooseRuntime(opts.runtime ?? 'auto', opts.runRoot);
  log.info(`runtime ${runtime.name}`, { path: runtime.path, why });
  const conmonPath = findBinary('conmon');
  if (!conmonPath) throw failedPrecondition('conmon is not installed (apt-get install conmon)');
  await Promise.all(['exits', 'socket', 'crun', 'runc'].map((d) => mkdir(`${opts.runRoot}/${d}`, { recursive: true })));
  const store = createContainerStore(opts.root);
  const layerCache = new Map<string, Promise<string[]>>();
  const runtimes = new Map<RuntimeName, Runtime>([[runtime.name, runtime]]);
  const ctx: Ctx = {
    root: opts.root,
    runRoot: opts.runRoot,
    store,
    images: opts.images,
    snapshotter: opts.snapshotter,
    volumes: opts.volumes,
    runtime,
    conmonPath,
    host: opts.host ?? readHostInfo(),
    bpf: await createBpfCache(`${opts.runRoot}/seccomp`),
    live: new Map(),
    waiters: new Map(),
    events: opts.events,
    network: opts.network,
    layerPaths(imageId: Digest) {
      let p = layerCache.get(imageId);
      if (!p) {
        p = opts.images.layerPaths(imageId);
        layerCache.set(imageId, p);
        p.catch(() => layerCache.delete(imageId));
      }
      return p;
    },
    runtimeFor(rec) {
      let rt = runtimes.get(rec.runtime);
      if (!rt) runtimes.set(rec.runtime, (rt = runtimeByName(rec.runtime, opts.runRoot)));
      return rt;
    },
  };
  const execs = createExecService(ctx);
  ctx.health = createHealthMonitor({
    runProbe: execProbe(execs),
    record(rec, health, persist) {
      rec.state = { ...rec.state, health };
      // written in the container's turn, and never for a container removed meanwhile
      if (!persist) return Promise.resolve();
      return serialize(ctx, rec.id, async () => {
        if (store.tryFind(rec.id) === rec) await store.save(rec);
      });
    },
    report: (rec, action) => emitContainer(ctx, rec, action),
  });

  // exits: conmon writes RUN/exits/<id> (atomically, by rename) when a container's process ends
  const exitsDir = `${opts.runRoot}/exits`;
  let watcher: FSWatcher | null = watch(exitsDir, (_event, file) => {
    if (file && /^[a-f0-9]{64}$/.test(file)) onExitFile(ctx, file);
  });
  watcher.on('error', (err) => log.warn('exit watcher failed', { err }));
  const records = await store.load();
  await adoptAll(ctx, records);
  for (const rec of store.all()) if (rec.state.status === 'running') ctx.health.resume(rec);
  // exits that landed between load and the watcher's start
  for (const f of await readdir(exitsDir).catch(() => [] as string[])) if (/^[a-f0-9]{64}$/.test(f)) onExitFile(ctx, f);

  const find = (idOrName: string) => store.find(idOrName);
  const imageMatches = (ref: string, rec: { imageRef: string; imageId: string }) =>
    rec.imageRef === ref || rec.imageId === ref || rec.imageId.replace(/^sha256:/, '').startsWith(ref.replace(/^sha256:/, '')) ||
    (!ref.includes(':') && rec.imageRef === `${ref}:latest`) || (rec.imageRef.endsWith(':latest') && rec.imageRef.slice(0, -7) === ref);

  const service: ContainerEngine = {
    runtimeName: runtime.name,
    async create(spec) {
      const rec = await createContainer(ctx, spec);
      emitContainer(ctx, rec, 'create');
      liveOf(ctx, rec.id);
      // once the answer is out: `start` usually follows within milliseconds (launch.ts)
      setImmediate(() => void serialize(ctx, rec.id, async () => holdConmon(ctx, rec)));
      return rec;
    },
    async start(id) {
      const rec = find(id);
      await serialize(ctx, rec.id, () => startLocked(ctx, rec));
    },
    async stop(id, o = {}) {
      const rec = find(id);
      await serialize(ctx, rec.id, () => stopLocked(ctx, rec, o));
    },
    async restart(id, o = {}) {
      const rec = find(id);
      await serialize(ctx, rec.id, async () => {
        await stopLocked(ctx, rec, o);
        await startLocked(ctx, rec);
        emitContainer(ctx, rec, 'restart');
      });
    },
    async kill(id, signal = 'SIGKILL') {
      const rec = find(id);
      await killContainer(ctx, rec, signal, id);
    },
    async pause(id) {
      const rec = find(id);
      await serialize(ctx, rec.id, async () => {
        if (rec.state.status === 'paused') throw conflict(`Container ${rec.id} is already paused`);
        if (rec.state.status !== 'running') throw conflict(`Container ${rec.id} is not running`);
        await runtimeVerb(ctx.runtimeFor(rec), ['pause', rec.id]);
        rec.state = { ...rec.state, status: 'paused' };
        await store.save(rec);
        emitContainer(ctx, rec, 'pause');
      });
    },
    async unpause(id) {
      const rec = find(id);
      await serialize(ctx, rec.id, async () => {
        if (rec.state.status !== 'paused') throw conflict(`Container ${rec.id} is not paused`);
        await runtimeVerb(ctx.runtimeFor(rec), ['resume', rec.id]);
        rec.state = { ...rec.state, status: 'running' };
        await store.save(rec);
        emitContainer(ctx, rec, 'unpause');
      });
    },
    async remove(id, o) {
      const rec = find(id);
      if (rec.state.status === 'removing') throw conflict(`removal of container ${rec.id} is already in progress`);
      if (isActive(rec.state) && !o.force) {
        const what = rec.state.status === 'paused' ? 'container is paused' : rec.state.status === 'restarting' ? 'container is restarting' : 'container is running';
        throw conflict(`cannot remove container "/${rec.name}": ${what}: stop the container before removing or force remove`);
      }
      await serialize(ctx, rec.id, async () => {
        if (!store.tryFind(rec.id)) return;
        if (o.force) await forceStopForRemoval(ctx, rec);
        if (!store.tryFind(rec.id)) return;
        execs.dropContainer(rec.id);
        await removeLocked(ctx, rec, undefined, { volumes: o.volumes });
      });
    },
    async rename(id, newName) {
      const rec = find(id);
      const name = checkName(newName);
      if (name === rec.name) throw conflict(`Renaming a container with the same name as its current name`);
      const holder = store.tryFind(name);
      if (holder && holder.name === name) throw nameConflict(name, holder.id);
      await serialize(ctx, rec.id, async () => {
        const old = rec.name;
        store.reserveName(name, rec.id);
        rec.name = name;
        rec.spec = { ...rec.spec, name };
        try {
          await store.save(rec);
        } catch (err) {
          rec.name = old;
          store.releaseName(name, rec.id);
          throw err;
        }
        store.releaseName(old, rec.id);
        await ctx.network?.renamed(rec, old).catch((err) => log.warn('DNS names not renamed', { id: rec.id, err }));
        emitContainer(ctx, rec, 'rename', { oldName: `/${old}` });
      });
    },
    get: async (idOrName) => find(idOrName),
    async modify(id, fn) {
      const rec = find(id);
      await serialize(ctx, rec.id, async () => {
        await fn(rec);
        await store.save(rec);
      });
    },
    list: async (f) => filterContainers(store.all(), f, (x) => store.tryFind(x), imageMatches, (id) => ctx.network?.state(id)),
    wait(id, condition = 'not-running', signal) {
      const rec = find(id);
      if (condition === 'not-running' && !isActive(rec.state)) {
        return Promise.resolve({ StatusCode: rec.state.exitCode, ...(rec.state.error ? { Error: { Message: rec.state.error } } : {}) });
      }
      return new Promise<WaitResult>((resolve, reject) => {
        const waiter = { condition, resolve };
        const list = ctx.waiters.get(rec.id) ?? [];
        list.push(waiter);
        ctx.waiters.set(rec.id, list);
        signal?.addEventListener('abort', () => {
          const l = ctx.waiters.get(rec.id);
          if (l) ctx.waiters.set(rec.id, l.filter((w) => w !== waiter));
          reject(signal.reason ?? new Error('aborted'));
        }, { once: true });
      });
    },
    async attach(id, o) {
      const rec = find(id);
      if (rec.state.status === 'paused') throw conflict(`You cannot attach to a paused container, unpause it first`);
      if (rec.state.status === 'restarting') throw conflict(`You cannot attach to a restarting container, wait until it is running`);
      const a = createAttachment({ stdin: o.stdin, stdout: o.stdout, stderr: o.stderr, tty: rec.spec.tty, detachKeys: o.detachKeys });
      if (o.logs) {
        const replay = readLogs(rec.logPath, { follow: false, stdout: o.stdout, stderr: o.stderr, timestamps: false });
        const entries: Array<{ stream: 'stdout' | 'stderr'; data: Buffer }> = [];
        for await (const e of replay) entries.push({ stream: e.stream, data: e.data });
        if (!o.stream) {
          return { output: (async function* () { yield* entries; })(), input: null, close: () => {} };
        }
        const live = a.attachment.output;
        a.attachment.output = (async function* () {
          yield* entries;
          yield* live;
        })();
      }
      const l = liveOf(ctx, rec.id);
      if (rec.state.status === 'running') await a.connect(paths(ctx, rec.id).attachSocket);
      else l.pending.push(a);
      emitContainer(ctx, rec, 'attach');
      return a.attachment;
    },
    async reopenLog(id) {
      const rec = find(id);
      if (rec.state.status !== 'running' && rec.state.status !== 'paused') return;
      if (!(await writeReopenLog(paths(ctx, rec.id).ctlFifo))) return;
      // conmon reopens between two reads of its event loop: answer once the fresh file is there
      for (let i = 0; i < 100 && !existsSync(rec.logPath); i++) await sleep(10);
      if (!existsSync(rec.logPath)) throw internal(`conmon did not reopen the log ${rec.logPath}`);
    },
    async resize(id, height, width) {
      const rec = find(id);
      if (rec.state.status !== 'running' && rec.state.status !== 'paused') throw conflict(`Container ${rec.id} is not running`);
      await writeCtl(paths(ctx, rec.id).ctlFifo, height, width);
      emitContainer(ctx, rec, 'resize', { height: String(height), width: String(width) });
    },
    logs(id, o, signal) {
      const rec = find(id);
      if (!keepsLog(rec)) throw invalidArgument('configured logging driver does not support reading');
      return readLogs(rec.logPath, o, { running: () => store.tryFind(rec.id) === rec && isActive(rec.state), signal });
    },
    async top(id, psArgs) {
      const rec = find(id);
      if (rec.state.status !== 'running' && rec.state.status !== 'paused') throw conflict(`Container ${rec.id} is not running`);
      return top(cgroupPathOf(rec), psArgs);
    },
    async stats(id) {
      const rec = find(id);
      // its own network namespace only: with host, none or another container's there is nothing of its own
      const mode = String(rec.spec.host.networkMode ?? '');
      const ownNet = mode !== 'host' && mode !== 'none' && !mode.startsWith('container:');
      return readStats(cgroupPathOf(rec), ownNet ? rec.state.pid : 0);
    },
    getArchive: async (id, path) => getArchive(ctx, find(id), path),
    changes: async (id) => containerChanges(ctx, find(id)),
    export: async (id) => exportContainer(ctx, find(id)),
    commit: async (id, o) => commitContainer(ctx, find(id), o, { pause: () => service.pause(id), unpause: () => service.unpause(id) }),
    statPath: async (id, path) => statPath(ctx, find(id), path),
    putArchive: async (id, path, tar, o) => putArchive(ctx, find(id), path, tar, o),
    async update(id, u) {
      const rec = find(id);
      return serialize(ctx, rec.id, () => updateContainer(ctx, rec, u));
    },
    async size(id) {
      const rec = find(id);
      const sizeRw = await dirSize(ctx.snapshotter.upperDir(rec.id));
      const image = await ctx.images.get(rec.imageId).catch(() => undefined);
      return { sizeRw, sizeRootFs: sizeRw + (image?.size ?? 0) };
    },
    async prune(filters = {}) {
      const deleted: string[] = [];
      let reclaimed = 0;
      // `until=1h` is an hour before now, as docker reads it (not a date that fails to parse and prunes all)
      const cutoff = pruneUntil(filters);
      const rest = { ...filters };
      delete rest.until;
      for (const key of Object.keys(rest)) if (key !== 'label' && key !== 'label!') throw invalidArgument(`invalid filter '${key}'`);
      for (const rec of [...store.all()]) {
        if (rec.state.status !== 'exited' && rec.state.status !== 'created' && rec.state.status !== 'dead') continue;
        if (cutoff !== undefined && Date.parse(rec.created) >= cutoff) continue;
        const labels = rec.spec.labels ?? {};
        const has = (l: string) => (l.includes('=') ? labels[l.split('=', 1)[0]] === l.slice(l.indexOf('=') + 1) : l in labels);
        if (rest.label && !rest.label.every(has)) continue;
        if (rest['label!'] && rest['label!'].some(has)) continue;
        try {
          // what removal frees: the writable layer (docker's SpaceReclaimed counts the same)
          const size = await dirSize(ctx.snapshotter.upperDir(rec.id)).catch(() => 0);
          await service.remove(rec.id, { force: false });
          deleted.push(rec.id);
          reclaimed += size;
        } catch (err) {
          if (!isKind(err, 'Conflict') && !isKind(err, 'NotFound')) throw err;
        }
      }
      ctx.events?.emit('container', 'prune', { id: '', attributes: { reclaimed: String(reclaimed) } });
      return { ContainersDeleted: deleted, SpaceReclaimed: reclaimed };
    },
    imageInUse(imageId) {
      for (const rec of store.all()) if (rec.imageId === imageId) return true;
      return false;
    },
    volumeUsers: (name) => volumeUsers(ctx, name),
    async execCreate(id, spec) {
      return execs.create(find(id).id, spec);
    },
    execStart: (execId, o) => execs.start(execId, o),
    execInspect: async (execId) => execs.inspect(execId),
    execResize: (execId, h, w) => execs.resize(execId, h, w),
    execForget: (execId) => execs.forget(execId),
    async close() {
      ctx.health?.close();
      watcher?.close();
      watcher = null;
      for (const [id, l] of ctx.live) {
        dropHeldConmon(ctx, id);
        stopLogRotation(id);
        if (l.restartTimer) clearTimeout(l.restartTimer);
        l.restartTimer = null;
        for (const a of l.pending.splice(0)) a.attachment.close();
      }
      await Promise.all([...ctx.live.values()].map((l) => l.chain));
    },
  };
  return service;
}
