// libc calls through node:ffi (Node 26, experimental) for the few things on the container hot path that
// Node cannot do itself without a fork: mount(2) instead of spawning mount(8) (and umount2(2) where the
// unmount is quick, see snapshots/mounts.ts); posix_spawn(3) instead of child_process.spawn, whose fork()
// copies the page tables of this ~80 MB process (~10 ms on a small host, with the event loop blocked) where
// glibc's posix_spawn uses a vfork-style clone (~1.5 ms); sealed memfds for the OCI runtime's binary
// (runtime.ts says why).
// Everything here is optional: `libc()` is null when node:ffi is missing or refused (older Node,
// --no-experimental-ffi, --permission, SKIFF_NO_FFI=1) and every caller keeps its spawn-based fallback.
import { closeSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import { Socket } from 'node:net';
import type * as Ffi from 'node:ffi';

const errnoNames = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** A failed libc call: `code` is the errno name (EBUSY, …), as Node's own system errors have it. */
export class SyscallError extends Error {
  readonly code: string;
  readonly errno: number;
  constructor(call: string, errno: number, detail: string) {
    const code = errnoNames.get(errno) ?? `E${errno}`;
    super(`${call} ${detail}: ${code}`);
    this.name = 'SyscallError';
    this.code = code;
    this.errno = errno;
  }
}

const signatures = {
  mount: { arguments: ['string', 'string', 'string', 'u64', 'string'], return: 'i32' },
  umount2: { arguments: ['string', 'i32'], return: 'i32' },
  __errno_location: { arguments: [], return: 'pointer' },
  pipe2: { arguments: ['pointer', 'i32'], return: 'i32' },
  waitpid: { arguments: ['i32', 'pointer', 'i32'], return: 'i32' },
  posix_spawn: { arguments: ['pointer', 'string', 'pointer', 'pointer', 'pointer', 'pointer'], return: 'i32' },
  posix_spawn_file_actions_init: { arguments: ['pointer'], return: 'i32' },
  posix_spawn_file_actions_destroy: { arguments: ['pointer'], return: 'i32' },
  posix_spawn_file_actions_adddup2: { arguments: ['pointer', 'i32', 'i32'], return: 'i32' },
  posix_spawn_file_actions_addopen: { arguments: ['pointer', 'i32', 'string', 'i32', 'u32'], return: 'i32' },
  // glibc 2.29+: the child's working directory
  posix_spawn_file_actions_addchdir_np: { arguments: ['pointer', 'string'], return: 'i32' },
  // glibc 2.34+: close every other fd (the daemon may have inherited some without close-on-exec)
  posix_spawn_file_actions_addclosefrom_np: { arguments: ['pointer', 'i32'], return: 'i32' },
  posix_spawnattr_init: { arguments: ['pointer'], return: 'i32' },
  posix_spawnattr_destroy: { arguments: ['pointer'], return: 'i32' },
  posix_spawnattr_setflags: { arguments: ['pointer', 'i16'], return: 'i32' },
  posix_spawnattr_setsigmask: { arguments: ['pointer', 'pointer'], return: 'i32' },
  posix_spawnattr_setsigdefault: { arguments: ['pointer', 'pointer'], return: 'i32' },
  sigemptyset: { arguments: ['pointer'], return: 'i32' },
  sigfillset: { arguments: ['pointer'], return: 'i32' },
  memfd_create: { arguments: ['string', 'u32'], return: 'i32' },
  // variadic in C; an int third argument travels in a register either way (x86-64, aarch64)
  fcntl: { arguments: ['i32', 'i32', 'i32'], return: 'i32' },
  // variadic too; bpf(2) has no glibc wrapper (engine/network/socket-lb.ts)
  syscall: { arguments: ['i64', 'i64', 'pointer', 'u64'], return: 'i64' },
} as const;

type LibcFunctions = Ffi.WrappedFunctionsFromDefinitions<typeof signatures>;
interface Libc {
  fn: LibcFunctions;
  errno(): number;
  getRawPointer(b: Buffer): bigint;
}

let loaded: Libc | null | undefined;

/** libc's functions, or null when node:ffi is unavailable (callers fall back to spawning tools). */
export function libc(): Libc | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (process.env.SKIFF_NO_FFI === '1' || process.platform !== 'linux') return loaded;
  // node:ffi announces itself with an ExperimentalWarning when loaded: silence that one warning only
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: NodeJS.Process, warning: string | Error, ...rest: unknown[]) {
    if (/\bFFI\b/.test(typeof warning === 'string' ? warning : warning.message)) return;
    return (emitWarning as (...a: unknown[]) => void).call(this, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    const ffi = process.getBuiltinModule('node:ffi');
    if (!ffi?.dlopen) return loaded;
    const { functions: fn } = ffi.dlopen('libc.so.6', signatures);
    loaded = {
      fn,
      errno: () => ffi.getInt32(fn.__errno_location()),
      getRawPointer: (b) => ffi.getRawPointer(b),
    };
  } catch {
    loaded = null;
  } finally {
    process.emitWarning = emitWarning;
  }
  return loaded;
}

export const MNT_DETACH = 2;

/** mount(2). Throws SyscallError; callers without libc() use mount(8). */
export function mount(lib: Libc, source: string, target: string, fstype: string, flags: number, data: string): void {
  if (lib.fn.mount(source, target, fstype, BigInt(flags), data) !== 0) {
    throw new SyscallError('mount', lib.errno(), `${fstype} on ${target}`);
  }
}

/** umount2(2). Throws SyscallError (EINVAL: not a mount point, EBUSY: in use). */
export function umount(lib: Libc, target: string, flags = 0): void {
  if (lib.fn.umount2(target, flags) !== 0) throw new SyscallError('umount2', lib.errno(), target);
}

// ---------------------------------------------------------------- sealed in-memory executables

const MFD_CLOEXEC = 0x1;
const MFD_ALLOW_SEALING = 0x2;
// Linux 6.3+: say the memfd may be executed (older kernels refuse the flag: retried without)
const MFD_EXEC = 0x10;
const F_ADD_SEALS = 1033;
const F_GET_SEALS = 1034;
// exactly the seals crun and runc check for in is_self_cloned()
const EXE_SEALS = 0x1 | 0x2 | 0x4 | 0x8; // F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE

/**
 * A copy of the file `bytes` in a sealed memfd (no write, grow or shrink can ever happen to it), kept open
 * by this process: its fd. Executing it through /proc/<pid>/fd/<fd> gives a process whose /proc/self/exe
 * cannot be written, which is what the runtimes otherwise make for themselves on every call.
 */
export function sealedMemfd(lib: Libc, name: string, bytes: Uint8Array): number {
  let fd = lib.fn.memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (fd < 0 && lib.errno() === constants.errno.EINVAL) fd = lib.fn.memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) throw new SyscallError('memfd_create', lib.errno(), name);
  try {
    for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off);
    if (lib.fn.fcntl(fd, F_ADD_SEALS, EXE_SEALS) !== 0) throw new SyscallError('fcntl(F_ADD_SEALS)', lib.errno(), name);
    if (lib.fn.fcntl(fd, F_GET_SEALS, 0) !== EXE_SEALS) throw new SyscallError('fcntl(F_GET_SEALS)', constants.errno.EINVAL, name);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return fd;
}

// ---------------------------------------------------------------- posix_spawn

/** One pipe to the child: it gets one end as `fd`; `write` = the child writes (we read), `read` = we write. */
export interface PipeSpec {
  fd: number;
  child: 'write' | 'read';
}

export interface SpawnOptions {
  path: string;
  /** argv, including argv[0] */
  argv: string[];
  env: Record<string, string>;
  cwd?: string;
  /** a new session (setsid), like child_process's `detached` */
  setsid?: boolean;
  pipes: PipeSpec[];
  /** keep the event loop alive until the child ended and its pipes closed (false: a daemon's monitor) */
  keepAlive?: boolean;
}

export interface Spawned {
  pid: number;
  /** our end of each pipe, by the child's fd number (a socket over the pipe, unref'd) */
  pipes: Map<number, Socket>;
  /** resolves with the exit code (128+n for a signal) once the child ended, reaping it */
  exited: Promise<number>;
}

const O_CLOEXEC = 0o2000000;
const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
const POSIX_SPAWN_SETSID = 0x80;
const WNOHANG = 1;
// opaque glibc structs: posix_spawnattr_t is 336 bytes, posix_spawn_file_actions_t 80, sigset_t 128
const opaqueSize = 1024;

/** NUL-terminated strings and the NULL-terminated pointer array to them (both kept alive by the caller). */
function cStringArray(lib: Libc, strings: string[]): { array: Buffer; storage: Buffer } {
  const encoded = strings.map((s) => Buffer.from(s + '\0', 'utf8'));
  const storage = Buffer.alloc(encoded.reduce((n, b) => n + b.length, 0) || 1);
  const base = lib.getRawPointer(storage);
  const array = Buffer.alloc(8 * (strings.length + 1));
  let off = 0;
  encoded.forEach((b, i) => {
    b.copy(storage, off);
    array.writeBigUInt64LE(base + BigInt(off), 8 * i);
    off += b.length;
  });
  return { array, storage };
}

function check(call: string, rc: number): void {
  if (rc !== 0) throw new SyscallError(call, rc, 'failed');
}

/**
 * Start a program without forking this process (posix_spawn). stdin, stdout and stderr unless piped are
 * /dev/null, every other fd not in `pipes` is closed; signal dispositions and mask are reset, as child_process does. Throws
 * SyscallError (ENOENT for a missing program, …) with no pipe left open.
 */
export function posixSpawn(lib: Libc, o: SpawnOptions): Spawned {
  const { fn } = lib;
  const created: number[] = [];
  const ours = new Map<number, number>();
  const theirs = new Map<number, number>();
  const fa = Buffer.alloc(opaqueSize);
  const attr = Buffer.alloc(opaqueSize);
  let faInit = false;
  let attrInit = false;
  try {
    for (const p of o.pipes) {
      const fds = Buffer.alloc(8);
      if (fn.pipe2(fds, O_CLOEXEC) !== 0) throw new SyscallError('pipe2', lib.errno(), 'for a child');
      const [r, w] = [fds.readInt32LE(0), fds.readInt32LE(4)];
      created.push(r, w);
      ours.set(p.fd, p.child === 'write' ? r : w);
      theirs.set(p.fd, p.child === 'write' ? w : r);
    }
    check('posix_spawn_file_actions_init', fn.posix_spawn_file_actions_init(fa));
    faInit = true;
    // two passes so no dup2 overwrites a pipe end still to be moved: first above every fd in play, then
    // into place (dup2 clears close-on-exec on the copy)
    const targets = [...theirs.keys()];
    let spare = Math.max(2, ...targets, ...created) + 1;
    const moved: Array<[number, number]> = [];
    for (const [target, fd] of theirs) {
      check('posix_spawn_file_actions_adddup2', fn.posix_spawn_file_actions_adddup2(fa, fd, spare));
      moved.push([spare++, target]);
    }
    const O_RDONLY = 0;
    const O_WRONLY = 1;
    for (const [fd, flags] of [[0, O_RDONLY], [1, O_WRONLY], [2, O_WRONLY]] as const) {
      if (!theirs.has(fd)) check('posix_spawn_file_actions_addopen', fn.posix_spawn_file_actions_addopen(fa, fd, '/dev/null', flags, 0));
    }
    for (const [from, to] of moved) check('posix_spawn_file_actions_adddup2', fn.posix_spawn_file_actions_adddup2(fa, from, to));
    check('posix_spawn_file_actions_addclosefrom_np', fn.posix_spawn_file_actions_addclosefrom_np(fa, Math.max(2, ...targets) + 1));
    if (o.cwd) check('posix_spawn_file_actions_addchdir_np', fn.posix_spawn_file_actions_addchdir_np(fa, o.cwd));
    check('posix_spawnattr_init', fn.posix_spawnattr_init(attr));
    attrInit = true;
    const all = Buffer.alloc(128);
    const none = Buffer.alloc(128);
    fn.sigfillset(all);
    fn.sigemptyset(none);
    check('posix_spawnattr_setsigdefault', fn.posix_spawnattr_setsigdefault(attr, all));
    check('posix_spawnattr_setsigmask', fn.posix_spawnattr_setsigmask(attr, none));
    check('posix_spawnattr_setflags', fn.posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | (o.setsid ? POSIX_SPAWN_SETSID : 0)));
    const argv = cStringArray(lib, o.argv);
    const envp = cStringArray(lib, Object.entries(o.env).map(([k, v]) => `${k}=${v}`));
    const pidBuf = Buffer.alloc(4);
    const rc = fn.posix_spawn(pidBuf, o.path, fa, attr, argv.array, envp.array);
    // keep the string storage reachable until posix_spawn has returned (the pointers point into it)
    void argv.storage;
    void envp.storage;
    if (rc !== 0) throw new SyscallError('posix_spawn', rc, o.path);
    const pid = pidBuf.readInt32LE(0);
    for (const fd of theirs.values()) closeSync(fd);
    theirs.clear();
    const pipes = new Map<number, Socket>();
    for (const p of o.pipes) {
      const fd = ours.get(p.fd)!;
      const s = new Socket({ fd, readable: p.child === 'write', writable: p.child === 'read' });
      if (!o.keepAlive) s.unref();
      pipes.set(p.fd, s);
    }
    ours.clear();
    return { pid, pipes, exited: reap(lib, pid, !!o.keepAlive) };
  } catch (err) {
    for (const fd of [...ours.values(), ...theirs.values()]) {
      try {
        closeSync(fd);
      } catch {}
    }
    throw err;
  } finally {
    if (faInit) fn.posix_spawn_file_actions_destroy(fa);
    if (attrInit) fn.posix_spawnattr_destroy(attr);
  }
}

/**
 * Wait for a child started by posixSpawn. libuv reaps only the children it started itself, so this polls
 * waitpid(WNOHANG), quickly at first (conmon's first process is gone in milliseconds), then once a second.
 */
function reap(lib: Libc, pid: number, keepAlive: boolean): Promise<number> {
  const status = Buffer.alloc(4);
  return new Promise((resolve) => {
    let delay = 2;
    const poll = () => {
      const r = lib.fn.waitpid(pid, status, WNOHANG);
      if (r === pid || (r < 0 && lib.errno() === constants.errno.ECHILD)) {
        const s = status.readInt32LE(0);
        resolve(r < 0 ? 255 : (s & 0x7f) === 0 ? (s >> 8) & 0xff : 128 + (s & 0x7f));
        return;
      }
      delay = Math.min(delay * 2, 1000);
      schedule();
    };
    const schedule = () => {
      const t = setTimeout(poll, delay);
      if (!keepAlive) t.unref();
    };
    schedule();
  });
}
