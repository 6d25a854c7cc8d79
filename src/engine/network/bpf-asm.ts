// A tiny eBPF assembler and the two cgroup programs of socket-level load balancing (socket-lb.ts): connect4
// rewrites a host socket's destination from a published address to its container once, at connect();
// getpeername4 shows the published address again. Pure: instructions in, bytes out (bpf-asm.test.ts).
// Encoding (linux/bpf.h, struct bpf_insn): u8 opcode, u8 dst_reg:4 | src_reg:4 (low nibble dst), s16 off,
// s32 imm; little-endian (x86-64, aarch64).

export type Insn = Buffer;

// registers: r0 return value, r1-r5 helper arguments (clobbered by calls), r6-r9 kept, r10 frame pointer
export const R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R6 = 6, R7 = 7, R10 = 10;

const BPF_LD = 0x00, BPF_LDX = 0x01, BPF_ST = 0x02, BPF_STX = 0x03, BPF_JMP = 0x05, BPF_ALU64 = 0x07;
const BPF_W = 0x00, BPF_DW = 0x18, BPF_IMM = 0x00, BPF_MEM = 0x60;
const BPF_K = 0x00, BPF_X = 0x08;
const ALU = { add: 0x00, or: 0x40, and: 0x50, lsh: 0x60, mov: 0xb0 } as const;
const JMP = { ja: 0x00, jeq: 0x10, jne: 0x50, call: 0x80, exit: 0x90 } as const;
/** src_reg of a ld_imm64 whose imm is a map's fd (the verifier swaps in the map) */
const BPF_PSEUDO_MAP_FD = 1;

export function insn(op: number, dst: number, src: number, off: number, imm: number): Insn {
  const b = Buffer.alloc(8);
  b.writeUInt8(op, 0);
  b.writeUInt8(((src & 0xf) << 4) | (dst & 0xf), 1);
  b.writeInt16LE(off, 2);
  b.writeInt32LE(imm | 0, 4);
  return b;
}

export const movReg = (dst: number, src: number) => insn(BPF_ALU64 | ALU.mov | BPF_X, dst, src, 0, 0);
export const movImm = (dst: number, imm: number) => insn(BPF_ALU64 | ALU.mov | BPF_K, dst, 0, 0, imm);
export const addImm = (dst: number, imm: number) => insn(BPF_ALU64 | ALU.add | BPF_K, dst, 0, 0, imm);
export const andImm = (dst: number, imm: number) => insn(BPF_ALU64 | ALU.and | BPF_K, dst, 0, 0, imm);
export const lshImm = (dst: number, imm: number) => insn(BPF_ALU64 | ALU.lsh | BPF_K, dst, 0, 0, imm);
export const orReg = (dst: number, src: number) => insn(BPF_ALU64 | ALU.or | BPF_X, dst, src, 0, 0);
/** dst = *(u32 *)(src + off) */
export const ldxW = (dst: number, src: number, off: number) => insn(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0);
/** dst = *(u64 *)(src + off) */
export const ldxDW = (dst: number, src: number, off: number) => insn(BPF_LDX | BPF_MEM | BPF_DW, dst, src, off, 0);
/** *(u32 *)(dst + off) = src */
export const stxW = (dst: number, off: number, src: number) => insn(BPF_STX | BPF_MEM | BPF_W, dst, src, off, 0);
/** *(u64 *)(dst + off) = src */
export const stxDW = (dst: number, off: number, src: number) => insn(BPF_STX | BPF_MEM | BPF_DW, dst, src, off, 0);
/** *(u32 *)(dst + off) = imm */
export const stW = (dst: number, off: number, imm: number) => insn(BPF_ST | BPF_MEM | BPF_W, dst, 0, off, imm);
/** if dst == imm: skip `off` instructions */
export const jeqImm = (dst: number, imm: number, off: number) => insn(BPF_JMP | JMP.jeq | BPF_K, dst, 0, off, imm);
export const jneImm = (dst: number, imm: number, off: number) => insn(BPF_JMP | JMP.jne | BPF_K, dst, 0, off, imm);
export const jneReg = (dst: number, src: number, off: number) => insn(BPF_JMP | JMP.jne | BPF_X, dst, src, off, 0);
export const ja = (off: number) => insn(BPF_JMP | JMP.ja, 0, 0, off, 0);
export const call = (helper: number) => insn(BPF_JMP | JMP.call, 0, 0, 0, helper);
export const exit = () => insn(BPF_JMP | JMP.exit, 0, 0, 0, 0);
/** dst = the map with this fd (a 16-byte instruction: two slots) */
export const ldMapFd = (dst: number, fd: number) => Buffer.concat([insn(BPF_LD | BPF_DW | BPF_IMM, dst, BPF_PSEUDO_MAP_FD, 0, fd), insn(0, 0, 0, 0, 0)]);

// helper ids (enum bpf_func_id)
export const FN_MAP_LOOKUP_ELEM = 1;
export const FN_MAP_UPDATE_ELEM = 2;
export const FN_GET_SOCKET_COOKIE = 46;
export const FN_GET_NETNS_COOKIE = 122;

// struct bpf_sock_addr (checked against linux/bpf.h): network byte order fields, 4-byte reads and writes
export const SA_USER_IP4 = 4;
export const SA_USER_PORT = 24;
export const SA_PROTOCOL = 36;

/**
 * A program from labelled pieces: `jumps` name the label to go to, resolved here to instruction-slot
 * offsets (a ld_imm64 counts two slots).
 */
export type Piece = Insn | { label: string } | { jump: (off: number) => Insn; to: string };

export function assemble(pieces: Piece[]): Buffer {
  const slots = new Map<string, number>();
  let at = 0;
  for (const p of pieces) {
    if (Buffer.isBuffer(p)) at += p.length / 8;
    else if ('label' in p) slots.set(p.label, at);
    else at += 1;
  }
  const out: Buffer[] = [];
  at = 0;
  for (const p of pieces) {
    if (Buffer.isBuffer(p)) {
      out.push(p);
      at += p.length / 8;
    } else if ('jump' in p) {
      const target = slots.get(p.to);
      if (target === undefined) throw new Error(`bpf-asm: no label ${p.to}`);
      out.push(p.jump(target - at - 1));
      at += 1;
    }
  }
  return Buffer.concat(out);
}

const to = (jump: (off: number) => Insn, label: string): Piece => ({ jump, to: label });

// stack layout (r10 = frame pointer)
const KEY = -8; // {u32 ip4, u16 port, u16 protocol}: 8 bytes, as servicesKey() lays them out
const REV_KEY = -32; // {u64 socket cookie, u32 container ip4, u32 container port}: the reverse map's key
const REV_VALUE = -40; // {u32 published ip4, u32 published port}

/** Nothing for sockets of other network namespaces (containers keep DNAT): jump to `notHost`. */
function inHostNetns(notHost: string): Piece[] {
  return [
    movReg(R1, R6), call(FN_GET_NETNS_COOKIE), movReg(R7, R0), // the socket's netns
    movImm(R1, 0), call(FN_GET_NETNS_COOKIE), // NULL: the initial (host) netns
    to((o) => jneReg(R0, R7, o), notHost),
  ];
}

/** lookup(map, fp+KEY) into r0; r0 == 0 on a miss */
const lookupKey = (mapFd: number): Piece[] => [ldMapFd(R1, mapFd), movReg(R2, R10), addImm(R2, KEY), call(FN_MAP_LOOKUP_ELEM)];

/**
 * connect4 (and udp4_sendmsg: the same fields): the destination {ip, port, protocol} looked up as it is,
 * then (for a local destination: 127/8 or one of the host's addresses in `localsFd`) as {0.0.0.0, port,
 * protocol}; on a hit the destination becomes the container's, and the reverse map learns, for this socket
 * and that container address, the published one (getpeername, recvmsg). Always allows.
 */
export function connect4Program(servicesFd: number, localsFd: number, reverseFd: number): Buffer {
  return assemble([
    movReg(R6, R1), // r6 = ctx for the whole program
    ...inHostNetns('allow'),
    // key = {user_ip4, user_port | protocol << 16} (ip and port in network order, as the ctx has them)
    ldxW(R2, R6, SA_USER_IP4), stxW(R10, KEY, R2),
    ldxW(R3, R6, SA_USER_PORT), ldxW(R4, R6, SA_PROTOCOL), lshImm(R4, 16), orReg(R3, R4), stxW(R10, KEY + 4, R3),
    // the published address as it is
    ...lookupKey(servicesFd), to((o) => jneImm(R0, 0, o), 'hit'),
    // not found: a local destination may match a port published on every address (0.0.0.0)
    ldxW(R2, R10, KEY), andImm(R2, 0xff), to((o) => jeqImm(R2, 127, o), 'any'), // first byte 127: loopback
    ldMapFd(R1, localsFd), movReg(R2, R10), addImm(R2, KEY), call(FN_MAP_LOOKUP_ELEM), to((o) => jeqImm(R0, 0, o), 'allow'),
    { label: 'any' },
    stW(R10, KEY, 0), ...lookupKey(servicesFd), to((o) => jeqImm(R0, 0, o), 'allow'),
    { label: 'hit' },
    // r7 = the backend {ip4, port}; reverse[{cookie, backend}] = the published address
    movReg(R7, R0),
    movReg(R1, R6), call(FN_GET_SOCKET_COOKIE), stxDW(R10, REV_KEY, R0),
    ldxW(R2, R7, 0), stxW(R10, REV_KEY + 8, R2), ldxW(R2, R7, 4), stxW(R10, REV_KEY + 12, R2),
    ldxW(R2, R6, SA_USER_IP4), stxW(R10, REV_VALUE, R2), ldxW(R2, R6, SA_USER_PORT), stxW(R10, REV_VALUE + 4, R2),
    ldMapFd(R1, reverseFd), movReg(R2, R10), addImm(R2, REV_KEY), movReg(R3, R10), addImm(R3, REV_VALUE), movImm(R4, 0), call(FN_MAP_UPDATE_ELEM),
    // the rewrite: the socket talks to the container from now on, no packet of it is NATed
    ldxW(R2, R7, 0), stxW(R6, SA_USER_IP4, R2), ldxW(R2, R7, 4), stxW(R6, SA_USER_PORT, R2),
    { label: 'allow' },
    movImm(R0, 1), exit(),
  ]);
}

/**
 * getpeername4 (and udp4_recvmsg): an address connect4/sendmsg4 rewrote for this socket shows as the
 * published one again. Only sockets connect4 recorded can hit (their cookies), so no netns check here.
 */
export function reverse4Program(reverseFd: number): Buffer {
  return assemble([
    movReg(R6, R1),
    // key = {cookie, user_ip4, user_port}: the peer (getpeername) or the datagram's source (recvmsg)
    call(FN_GET_SOCKET_COOKIE), stxDW(R10, REV_KEY, R0),
    ldxW(R2, R6, SA_USER_IP4), stxW(R10, REV_KEY + 8, R2), ldxW(R2, R6, SA_USER_PORT), stxW(R10, REV_KEY + 12, R2),
    ldMapFd(R1, reverseFd), movReg(R2, R10), addImm(R2, REV_KEY), call(FN_MAP_LOOKUP_ELEM), to((o) => jeqImm(R0, 0, o), 'done'),
    ldxW(R2, R0, 0), stxW(R6, SA_USER_IP4, R2), ldxW(R2, R0, 4), stxW(R6, SA_USER_PORT, R2),
    { label: 'done' },
    movImm(R0, 1), exit(),
  ]);
}

const PROTO = { tcp: 6, udp: 17 } as const;

/** The services map's key: {ip4 (network order), port (network order), protocol (host order u16)}. */
export function servicesKey(ip: string, port: number, protocol: 'tcp' | 'udp'): Buffer {
  const b = Buffer.alloc(8);
  ipBytes(ip).copy(b, 0);
  b.writeUInt16BE(port, 4);
  b.writeUInt16LE(PROTO[protocol], 6);
  return b;
}

/** The services map's value: {ip4, port} as the ctx holds them (port in network order, then 2 zero bytes). */
export function backendValue(ip: string, port: number): Buffer {
  const b = Buffer.alloc(8);
  ipBytes(ip).copy(b, 0);
  b.writeUInt16BE(port, 4);
  return b;
}

export function ipBytes(ip: string): Buffer {
  const parts = (ip || '0.0.0.0').split('.').map(Number);
  if (parts.length !== 4 || parts.some((n) => !Number.isInteger(n) || n < 0 || n > 255)) throw new Error(`not an IPv4 address: ${ip}`);
  return Buffer.from(parts);
}
