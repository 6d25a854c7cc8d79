// Socket-level load balancing for published ports (as Cilium's bpf_sock.c does it): cgroup BPF programs
// on the root cgroup v2 rewrite a host socket's destination from a published address to its container's
// address once, at connect() (TCP, connected UDP) or per sendmsg() (unconnected UDP), so traffic from this
// host is never NATed per packet; getpeername() and recvmsg() show the published address again. The nft DNAT rules
// stay as they are: they serve other hosts, containers, and everything while no program is attached.
// The attachment is a BPF link held by this process only: a kill -9 of the daemon detaches it (DNAT takes
// over). Optional: without node:ffi, with SKIFF_NO_BPF=1, or when the kernel refuses, it is off (null).
import { closeSync, openSync, readFileSync, constants as fsConstants } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { libc, SyscallError } from '../../lib/syscalls.ts';
import { backendValue, connect4Program, ipBytes, reverse4Program, servicesKey } from './bpf-asm.ts';
import { log } from './store.ts';

// bpf(2) commands, map/program/attach types (values checked against linux/bpf.h)
const SYS_BPF = 321n; // x86_64
const BPF_MAP_CREATE = 0, BPF_MAP_UPDATE_ELEM = 2, BPF_MAP_DELETE_ELEM = 3, BPF_PROG_LOAD = 5, BPF_LINK_CREATE = 28;
const BPF_MAP_TYPE_HASH = 1, BPF_MAP_TYPE_LRU_HASH = 9;
const BPF_PROG_TYPE_CGROUP_SOCK_ADDR = 18;
const BPF_CGROUP_INET4_CONNECT = 10, BPF_CGROUP_UDP4_SENDMSG = 14, BPF_CGROUP_UDP4_RECVMSG = 19, BPF_CGROUP_INET4_GETPEERNAME = 29;
const ATTR_SIZE = 144; // sizeof(union bpf_attr)

export interface SocketLbPort {
  /** '0.0.0.0': every local address */
  hostIp: string;
  hostPort: number;
  protocol: 'tcp' | 'udp';
  containerIp: string;
  containerPort: number;
}

export interface SocketLb {
  /** make the map say exactly `ports` (and refresh the host's own addresses); synchronous */
  sync(ports: SocketLbPort[]): void;
  /** detach (close the link) and free the maps */
  close(): void;
}

type Lib = NonNullable<ReturnType<typeof libc>>;

function bpf(lib: Lib, cmd: number, attr: Buffer, what: string): number {
  const r = Number(lib.fn.syscall(SYS_BPF, BigInt(cmd), attr, BigInt(ATTR_SIZE)));
  if (r < 0) throw new SyscallError('bpf', lib.errno(), what);
  return r;
}

function createMap(lib: Lib, type: number, keySize: number, valueSize: number, maxEntries: number, name: string): number {
  const a = Buffer.alloc(ATTR_SIZE);
  a.writeUInt32LE(type, 0);
  a.writeUInt32LE(keySize, 4);
  a.writeUInt32LE(valueSize, 8);
  a.writeUInt32LE(maxEntries, 12);
  a.write(name.slice(0, 15), 28); // map_name[16]
  return bpf(lib, BPF_MAP_CREATE, a, `BPF_MAP_CREATE ${name}`);
}

function mapOp(lib: Lib, cmd: number, fd: number, key: Buffer, value?: Buffer): void {
  const a = Buffer.alloc(ATTR_SIZE);
  a.writeUInt32LE(fd, 0);
  a.writeBigUInt64LE(lib.getRawPointer(key), 8);
  if (value) a.writeBigUInt64LE(lib.getRawPointer(value), 16);
  bpf(lib, cmd, a, cmd === BPF_MAP_DELETE_ELEM ? 'BPF_MAP_DELETE_ELEM' : 'BPF_MAP_UPDATE_ELEM');
  void key; // the pointers above point into these buffers: keep them reachable until the call returned
  void value;
}

/** Load a cgroup/sock_addr program; on a refusal, once more with the verifier's log, logged at debug. */
function loadProgram(lib: Lib, insns: Buffer, attachType: number, name: string): number {
  const license = Buffer.from('GPL\0');
  const attr = (logBuf?: Buffer) => {
    const a = Buffer.alloc(ATTR_SIZE);
    a.writeUInt32LE(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, 0);
    a.writeUInt32LE(insns.length / 8, 4);
    a.writeBigUInt64LE(lib.getRawPointer(insns), 8);
    a.writeBigUInt64LE(lib.getRawPointer(license), 16);
    if (logBuf) {
      a.writeUInt32LE(1, 24); // log_level
      a.writeUInt32LE(logBuf.length, 28);
      a.writeBigUInt64LE(lib.getRawPointer(logBuf), 32);
    }
    a.write(name.slice(0, 15), 48); // prog_name[16]
    a.writeUInt32LE(attachType, 68); // expected_attach_type
    return a;
  };
  try {
    return bpf(lib, BPF_PROG_LOAD, attr(), `BPF_PROG_LOAD ${name}`);
  } catch (err) {
    const logBuf = Buffer.alloc(256 * 1024);
    try {
      return bpf(lib, BPF_PROG_LOAD, attr(logBuf), `BPF_PROG_LOAD ${name}`);
    } catch {
      log.debug(`the kernel refused the ${name} program`, { verifier: logBuf.toString('utf8', 0, Math.max(0, logBuf.indexOf(0))) });
      throw err;
    }
  }
}

function linkCreate(lib: Lib, progFd: number, cgroupFd: number, attachType: number): number {
  const a = Buffer.alloc(ATTR_SIZE);
  a.writeUInt32LE(progFd, 0);
  a.writeUInt32LE(cgroupFd, 4);
  a.writeUInt32LE(attachType, 8);
  return bpf(lib, BPF_LINK_CREATE, a, 'BPF_LINK_CREATE');
}

/** Where the cgroup v2 hierarchy is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid host). */
export function cgroup2Root(mounts = readFileSync('/proc/self/mounts', 'utf8')): string | null {
  const line = mounts.split('\n').map((l) => l.split(' ')).find((f) => f[2] === 'cgroup2');
  return line ? line[1] : null;
}

/** This host's own IPv4 addresses (loopback's 127/8 is matched by the program itself). */
function localAddresses(): string[] {
  return Object.values(networkInterfaces()).flat().filter((a) => a && a.family === 'IPv4' && !a.internal).map((a) => a!.address);
}

let announced = false;
/** Said once per process, at info: whether published ports take the socket-level path. */
function announce(msg: string, fields?: Record<string, unknown>): void {
  if (announced) return;
  announced = true;
  log.info(msg, fields);
}

/** Maps, programs and links for this daemon; null (DNAT only) when anything is missing or refused. */
export function openSocketLb(tag: string): SocketLb | null {
  if (process.env.SKIFF_NO_BPF === '1') {
    announce('socket-level load balancing off (SKIFF_NO_BPF=1): published ports use nft DNAT only');
    return null;
  }
  const lib = libc();
  if (!lib) {
    announce('socket-level load balancing off (no node:ffi): published ports use nft DNAT only');
    return null;
  }
  const root = cgroup2Root();
  if (!root) {
    announce('socket-level load balancing off (no cgroup v2 mounted): published ports use nft DNAT only');
    return null;
  }
  const fds: number[] = [];
  const keep = (fd: number) => (fds.push(fd), fd);
  try {
    const services = keep(createMap(lib, BPF_MAP_TYPE_HASH, 8, 8, 65536, `sk_svc_${tag}`));
    const locals = keep(createMap(lib, BPF_MAP_TYPE_HASH, 4, 4, 1024, `sk_loc_${tag}`));
    // LRU: entries of closed sockets age out by themselves
    const reverse = keep(createMap(lib, BPF_MAP_TYPE_LRU_HASH, 16, 8, 65536, `sk_rev_${tag}`));
    const forward = connect4Program(services, locals, reverse);
    const backward = reverse4Program(reverse);
    // one program per hook (the kernel checks each against its expected attach type)
    const hooks: Array<[Buffer, number, string]> = [
      [forward, BPF_CGROUP_INET4_CONNECT, 'skiff_connect4'], [forward, BPF_CGROUP_UDP4_SENDMSG, 'skiff_sendmsg4'],
      [backward, BPF_CGROUP_INET4_GETPEERNAME, 'skiff_getpeer4'], [backward, BPF_CGROUP_UDP4_RECVMSG, 'skiff_recvmsg4'],
    ];
    const progs = hooks.map(([insns, type, name]) => [keep(loadProgram(lib, insns, type, name)), type] as const);
    const cg = openSync(root, fsConstants.O_RDONLY | fsConstants.O_DIRECTORY);
    try {
      // links, not BPF_PROG_ATTACH: they sit beside other programs and go when this process's fd does
      for (const [prog, type] of progs) keep(linkCreate(lib, prog, cg, type));
    } finally {
      closeSync(cg);
    }
    announce('socket-level load balancing on: host connections to published ports go straight to the container (cgroup BPF connect4, sendmsg4)', { cgroup: root });
    return socketLb(lib, fds, services, locals);
  } catch (err) {
    for (const fd of fds.reverse()) closeSync(fd);
    announce('socket-level load balancing off (the kernel refused it): published ports use nft DNAT only', { err: (err as Error).message });
    return null;
  }
}

function socketLb(lib: Lib, fds: number[], services: number, locals: number): SocketLb {
  const have = new Map<string, Buffer>(); // services: key hex → value
  const haveLocal = new Set<string>();
  let closed = false;
  return {
    sync(ports) {
      if (closed) return;
      const want = new Map<string, { key: Buffer; value: Buffer }>();
      for (const p of ports) {
        if (!p.containerIp) continue;
        const key = servicesKey(p.hostIp === '' ? '0.0.0.0' : p.hostIp, p.hostPort, p.protocol);
        want.set(key.toString('hex'), { key, value: backendValue(p.containerIp, p.containerPort) });
      }
      // new and changed first, then the stale ones: a port that stays never misses
      for (const [hex, { key, value }] of want) {
        if (have.get(hex)?.equals(value)) continue;
        mapOp(lib, BPF_MAP_UPDATE_ELEM, services, key, value);
        have.set(hex, value);
      }
      for (const hex of [...have.keys()]) {
        if (want.has(hex)) continue;
        mapOp(lib, BPF_MAP_DELETE_ELEM, services, Buffer.from(hex, 'hex'));
        have.delete(hex);
      }
      const addrs = new Set(localAddresses());
      const one = Buffer.from([1, 0, 0, 0]);
      for (const a of addrs) if (!haveLocal.has(a)) (mapOp(lib, BPF_MAP_UPDATE_ELEM, locals, ipBytes(a), one), haveLocal.add(a));
      for (const a of [...haveLocal]) if (!addrs.has(a)) (mapOp(lib, BPF_MAP_DELETE_ELEM, locals, ipBytes(a)), haveLocal.delete(a));
    },
    close() {
      if (closed) return;
      closed = true;
      for (const fd of fds.reverse()) closeSync(fd);
    },
  };
}
