// An in-memory Engine for the API layer's unit tests only (never used by the daemon). Processes are scripted:
// `echo ARGS` prints ARGS on stdout and `oops` on stderr then exits 0; `cat` echoes stdin until it ends;
// `sleep` runs until stopped; `nope` is not found (start fails like crun does).
import { EventEmitter } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import type {
  Attachment, ContainerRecord, ContainerSpec, Digest, Engine, ExecRecord, ExecSpec, ImageRecord, LogEntry, WaitResult,
} from '../../types.ts';
import { conflict, failedPrecondition, invalidArgument, notFound } from '../../../lib/errors.ts';
import { newId } from '../../../lib/ids.ts';
import { createEventBus } from '../../events/index.ts';

type Chunk = { stream: 'stdout' | 'stderr'; data: Buffer };

/** An async queue of output chunks that ends when `end()` is called. */
function outputQueue() {
  const items: Chunk[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  const kick = () => { wake?.(); wake = undefined; };
  return {
    push(c: Chunk) { items.push(c); kick(); },
    end() { ended = true; kick(); },
    async *iterate(): AsyncGenerator<Chunk> {
      for (;;) {
        if (items.length) { yield items.shift()!; continue; }
        if (ended) return;
        await new Promise<void>((r) => (wake = r));
      }
    },
  };
}

/** Run a scripted process: its output, and stdin when it reads it. */
function runScript(cmd: string[], onExit: (code: number) => void): Attachment {
  const q = outputQueue();
  const exit = (code: number) => { q.end(); onExit(code); };
  let input: PassThrough | null = null;
  if (cmd[0] === 'echo') {
    q.push({ stream: 'stdout', data: Buffer.from(cmd.slice(1).join(' ') + '\n') });
    q.push({ stream: 'stderr', data: Buffer.from('oops\n') });
    setImmediate(() => exit(0));
  } else if (cmd[0] === 'cat') {
    input = new PassThrough();
    input.on('data', (d: Buffer) => q.push({ stream: 'stdout', data: d }));
    input.on('end', () => exit(0));
  }
  return { output: q.iterate(), input, close: () => q.end() };
}

export interface FakeEngine extends Engine {
  calls: string[];
  /** the logs every container answers with */
  logLines: LogEntry[];
}

export function fakeEngine(): FakeEngine {
  const events = new EventEmitter();
  const containers = new Map<string, ContainerRecord>();
  const attachments = new Map<string, (a: Attachment | undefined) => void>();
  const execs = new Map<string, ExecRecord>();
  const images = new Map<string, ImageRecord>();
  const calls: string[] = [];
  const now = () => new Date().toISOString();

  const image = (ref: string): ImageRecord => {
    const full = ref.includes(':') || ref.startsWith('sha256') ? ref : `${ref}:latest`;
    for (const i of images.values()) if (i.id === ref || i.repoTags.includes(full)) return i;
    throw notFound(`No such image: ${full}`);
  };
  const get = (idOrName: string): ContainerRecord => {
    for (const c of containers.values()) if (c.id === idOrName || c.name === idOrName || (idOrName.length >= 3 && c.id.startsWith(idOrName))) return c;
    throw notFound(`No such container: ${idOrName}`);
  };
  const setState = (c: ContainerRecord, patch: Partial<ContainerRecord['state']>) => {
    c.state = { ...c.state, ...patch };
    events.emit(`state:${c.id}`);
  };
  const exited = (c: ContainerRecord, code: number) => {
    setState(c, { status: 'exited', exitCode: code, pid: 0, finishedAt: now() });
    if (c.spec.host.autoRemove) {
      containers.delete(c.id);
      events.emit(`state:${c.id}`);
    }
  };
  const addImage = (ref: string | undefined, size: number): ImageRecord => {
    const id = `sha256:${newId()}` as Digest;
    const rec: ImageRecord = {
      id, repoTags: ref ? [ref.includes(':') ? ref : `${ref}:latest`] : [], repoDigests: [], manifestDigest: id, size, created: now(),
      config: { architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'], Env: ['PATH=/bin'] }, rootfs: { type: 'layers', diff_ids: [] } },
    };
    images.set(id, rec);
    return rec;
  };
  addImage('busybox:latest', 1000);

  const engine: FakeEngine = {
    calls,
    logLines: [
      { stream: 'stdout', time: '2024-01-01T00:00:00.000000001Z', data: Buffer.from('one\n') },
      { stream: 'stderr', time: '2024-01-01T00:00:01.000000001Z', data: Buffer.from('two\n') },
    ],
    async info() {
      return {
        id: 'fake', name: 'fakehost', root: '/tmp/fake', containers: { total: containers.size, running: 0, paused: 0, stopped: 0 }, images: images.size,
        runtime: 'crun', runtimes: ['crun', 'runc'], cgroupVersion: '1', cgroupDriver: 'cgroupfs', kernelVersion: '6', operatingSystem: 'Fake', ncpu: 2,
        memTotal: 1 << 30, serverVersion: '0.0.0-test',
      };
    },
    async close() {},
    events: createEventBus(),
    volumes: noVolumes(),
    // builds are not faked: /build is tested against a real daemon
    builds: {
      build: async () => { throw failedPrecondition('builds are not faked'); },
      cache: async () => [],
      prune: async () => ({ CachesDeleted: [], SpaceReclaimed: 0 }),
    },
    // networks are not faked: the API layer's network routes are tested against a real daemon
    networks: {
      list: async () => [],
      inspect: async (x) => { throw notFound(`network ${x} not found`); },
      create: async () => { throw failedPrecondition('networks are not faked'); },
      remove: async (x) => { throw notFound(`network ${x} not found`); },
      prune: async () => ({ NetworksDeleted: [] }),
      connect: async (x) => { throw notFound(`network ${x} not found`); },
      disconnect: async (x) => { throw notFound(`network ${x} not found`); },
      containerState: () => undefined,
    },
    images: {
      commit: async () => { throw failedPrecondition('commit is not faked: tested against a real daemon'); },
      pull: async (ref) => { throw notFound(`manifest for ${ref} not found: registries are not faked (tested against a real one)`); },
      push: async () => { throw failedPrecondition('push is not faked: tested against a real registry'); },
      login: async () => { throw failedPrecondition('login is not faked: tested against a real registry'); },
      async list() { return [...images.values()]; },
      async get(ref) { return image(ref); },
      async importRootfs(source, opts) {
        let size = 0;
        for await (const chunk of source as Readable) size += (chunk as Buffer).length;
        if (size === 0) throw invalidArgument('empty tar');
        calls.push(`import ${opts.ref ?? ''} ${JSON.stringify(opts.changes ?? [])}`);
        return addImage(opts.ref, size);
      },
      async tag(source, target) { image(source).repoTags.push(target); },
      async remove(ref, opts) {
        const i = image(ref);
        if (!opts.force && opts.isInUse(i.id)) throw conflict(`conflict: unable to remove repository reference "${ref}" (must force)`);
        images.delete(i.id);
        return [...i.repoTags.map((t) => ({ Untagged: t })), { Deleted: i.id }];
      },
      async layerPaths() { return []; },
      // ---- save/load (issue 10): tested against a real daemon
      save: async () => { throw failedPrecondition('save is not faked: tested against a real daemon'); },
      load: async () => { throw failedPrecondition('load is not faked: tested against a real daemon'); },
    },
    containers: {
      changes: async () => { throw failedPrecondition('diff is not faked: tested against a real daemon'); },
      commit: async () => { throw failedPrecondition('commit is not faked: tested against a real daemon'); },
      export: async () => { throw failedPrecondition('export is not faked: tested against a real daemon'); },
      async create(spec: ContainerSpec) {
        const img = image(spec.image);
        const name = spec.name ?? `fake_${containers.size}`;
        for (const c of containers.values()) if (c.name === name) throw conflict(`Conflict. The container name "/${name}" is already in use by container "${c.id}". You have to remove (or rename) that container to be able to reuse that name.`);
        const argv = [...(spec.entrypoint ?? []), ...(spec.cmd ?? img.config.config.Cmd ?? [])];
        const rec: ContainerRecord = {
          id: newId(), name, created: now(), imageRef: spec.image, imageId: img.id, spec, path: argv[0] ?? '', args: argv.slice(1),
          state: { status: 'created', pid: 0, exitCode: 0, oomKilled: false, error: '', startedAt: '0001-01-01T00:00:00Z', finishedAt: '0001-01-01T00:00:00Z', restartCount: 0, stoppedByUser: false },
          runtime: 'crun', logPath: '/tmp/fake.log',
        };
        containers.set(rec.id, rec);
        calls.push(`create ${name}`);
        return rec;
      },
      async start(id) {
        const c = get(id);
        if (c.path === 'nope') {
          // as docker: a failed start of an --rm container removes it (the CLI waits for that)
          setState(c, { status: 'exited', exitCode: 127, error: 'executable file not found' });
          if (c.spec.host.autoRemove) {
            containers.delete(c.id);
            events.emit(`state:${c.id}`);
          }
          throw invalidArgument('failed to create task for container: exec: "nope": executable file not found in $PATH: unknown');
        }
        setState(c, { status: 'running', pid: 4242, startedAt: now() });
        calls.push(`start ${c.name}`);
        const att = runScript([c.path, ...c.args], (code) => exited(c, code));
        attachments.get(c.id)?.(att);
        attachments.delete(c.id);
      },
      async stop(id, opts) { const c = get(id); calls.push(`stop ${c.name} ${JSON.stringify(opts ?? {})}`); exited(c, 143); },
      async restart(id) { const c = get(id); setState(c, { status: 'running', startedAt: now() }); },
      async kill(id, signal) {
        const c = get(id);
        if (c.state.status !== 'running') throw conflict(`Container ${c.id} is not running`);
        calls.push(`kill ${c.name} ${signal}`);
        exited(c, 137);
      },
      async pause(id) { setState(get(id), { status: 'paused' }); },
      async unpause(id) { setState(get(id), { status: 'running' }); },
      async remove(id, opts) {
        const c = get(id);
        if (c.state.status === 'running' && !opts.force) throw conflict(`cannot remove container "/${c.name}": container is running: stop the container before removing or force remove`);
        containers.delete(c.id);
        events.emit(`state:${c.id}`);
      },
      async rename(id, newName) { get(id).name = newName; },
      async get(idOrName) { return get(idOrName); },
      async list(filter) { return [...containers.values()].filter((c) => filter.all || c.state.status === 'running'); },
      wait(id, condition = 'not-running', signal) {
        const c = get(id);
        return new Promise<WaitResult>((resolve, reject) => {
          const check = (first: boolean) => {
            const gone = !containers.has(c.id);
            const done = condition === 'removed' ? gone : condition === 'next-exit' ? !first && c.state.status === 'exited' : c.state.status !== 'running';
            if (!done) return;
            events.off(`state:${c.id}`, listener);
            resolve({ StatusCode: c.state.exitCode });
          };
          const listener = () => check(false);
          events.on(`state:${c.id}`, listener);
          signal?.addEventListener('abort', () => { events.off(`state:${c.id}`, listener); reject(signal.reason); });
          check(true);
        });
      },
      async attach(id) {
        const c = get(id);
        // output begins once the container starts (docker run attaches before start)
        const pending = new Promise<Attachment | undefined>((r) => attachments.set(c.id, r));
        const input = new PassThrough();
        const q = outputQueue();
        void pending.then((att) => {
          if (!att) return q.end();
          if (att.input) input.pipe(att.input);
          void (async () => { for await (const ch of att.output) q.push(ch); q.end(); })();
        });
        return { output: q.iterate(), input, close: () => { q.end(); attachments.delete(c.id); } };
      },
      async resize(id, h, w) { calls.push(`resize ${get(id).name} ${h}x${w}`); },
      async *logs(id, opts) {
        get(id);
        for (const l of engine.logLines) if ((l.stream === 'stdout' && opts.stdout) || (l.stream === 'stderr' && opts.stderr)) yield l;
      },
      async top(id) {
        const c = get(id);
        if (c.state.status !== 'running') throw conflict(`Container ${c.id} is not running`);
        return { Titles: ['PID', 'CMD'], Processes: [['1', [c.path, ...c.args].join(' ')]] };
      },
      async stats(id) {
        get(id);
        return { read: now(), pidsCurrent: 1, memoryUsage: 1024, memoryLimit: 2048, memoryStats: {}, cpuTotalNs: 5, cpuPercpuNs: [5], systemCpuNs: 100, onlineCpus: 2 };
      },
      async getArchive(id, path) {
        get(id);
        return { stat: { name: path.split('/').pop()!, size: 3, mode: 0o644, mtime: now(), linkTarget: '' }, tar: Readable.from([Buffer.from('tar-bytes')]) };
      },
      async statPath(id, path) {
        get(id);
        if (path === '/nope') throw notFound(`Could not find the file ${path} in container ${id}`);
        return { name: path.split('/').pop()!, size: 3, mode: 0o644, mtime: now(), linkTarget: '' };
      },
      async putArchive(id, path, tar) {
        get(id);
        let n = 0;
        for await (const chunk of tar) n += (chunk as Buffer).length;
        calls.push(`put ${path} ${n}`);
      },
      async prune() {
        const gone = [...containers.values()].filter((c) => c.state.status === 'exited').map((c) => c.id);
        for (const id of gone) containers.delete(id);
        return { ContainersDeleted: gone, SpaceReclaimed: 0 };
      },
      imageInUse(id) { return [...containers.values()].some((c) => c.imageId === id); },
      volumeUsers() { return []; },
      async update(id) { get(id); return { warnings: [] }; },
      async size(id) { get(id); return { sizeRw: 0, sizeRootFs: 0 }; },
      async execCreate(id, spec: ExecSpec) {
        const c = get(id);
        if (c.state.status !== 'running') throw conflict(`Container ${c.id} is not running`);
        const rec: ExecRecord = { id: newId(), containerId: c.id, spec, running: false, exitCode: null, pid: 0 };
        execs.set(rec.id, rec);
        return rec;
      },
      async execStart(execId, opts) {
        const rec = execs.get(execId);
        if (!rec) throw notFound(`No such exec instance: ${execId}`);
        if (rec.running) throw failedPrecondition(`Error: Exec command ${execId} is already running`);
        if (rec.spec.cmd[0] === 'nope') {
          Object.assign(rec, { exitCode: 127 });
          throw invalidArgument('OCI runtime exec failed: exec failed: unable to start container process: exec: "nope": executable file not found in $PATH: unknown');
        }
        rec.running = true;
        // the exit is recorded a little after the output ends, as with a real monitor process
        const att = runScript(rec.spec.cmd, (code) => setTimeout(() => Object.assign(rec, { running: false, exitCode: code }), 30));
        return opts.detach ? null : att;
      },
      async execInspect(execId) {
        const rec = execs.get(execId);
        if (!rec) throw notFound(`No such exec instance: ${execId}`);
        return rec;
      },
      async execResize(execId) { if (!execs.has(execId)) throw notFound(`No such exec instance: ${execId}`); },
      execForget(execId) { execs.delete(execId); },
      async reopenLog() {},
    },
  };
  return engine;
}

/** Volumes are tested against a real daemon (test/volumes.test.ts); here every call says so. */
function noVolumes(): Engine['volumes'] {
  const no = async (): Promise<never> => { throw failedPrecondition('the fake engine has no volumes'); };
  return { create: no, list: no, inspect: no, remove: no, prune: no, size: no, mount: no, unmount: no, populate: no };
}
