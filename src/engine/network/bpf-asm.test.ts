import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assemble, backendValue, call, connect4Program, exit, reverse4Program, insn, jeqImm, ldMapFd, ldxW, movImm, movReg, servicesKey, stW, stxW,
  FN_MAP_LOOKUP_ELEM, R0, R1, R2, R6, R10, SA_USER_IP4, SA_USER_PORT,
} from './bpf-asm.ts';

const hex = (b: Buffer) => b.toString('hex');

test('instructions encode as struct bpf_insn (opcode, dst | src << 4, off, imm), as clang/llvm-objdump show them', () => {
  assert.equal(hex(movReg(R6, R1)), 'bf16000000000000'); // r6 = r1
  assert.equal(hex(movImm(R0, 1)), 'b700000001000000'); // r0 = 1
  assert.equal(hex(exit()), '9500000000000000');
  assert.equal(hex(call(FN_MAP_LOOKUP_ELEM)), '8500000001000000');
  assert.equal(hex(ldxW(R2, R6, SA_USER_IP4)), '6162040000000000'); // r2 = *(u32 *)(r6 + 4)
  assert.equal(hex(stxW(R6, SA_USER_PORT, R2)), '6326180000000000'); // *(u32 *)(r6 + 24) = r2
  assert.equal(hex(stW(R10, -8, 0)), '620af8ff00000000'); // *(u32 *)(r10 - 8) = 0
  assert.equal(hex(jeqImm(R2, 127, 3)), '150203007f000000');
  // ld_imm64 with BPF_PSEUDO_MAP_FD (src 1): two slots, the fd in the first imm
  assert.equal(hex(ldMapFd(R1, 7)), '1811000007000000' + '0000000000000000');
  assert.equal(hex(insn(0x07, 2, 0, 0, -8)), '07020000f8ffffff'); // r2 += -8
});

test('labels resolve to slot offsets, a ld_imm64 counting two', () => {
  const prog = assemble([
    { jump: (o) => jeqImm(R0, 0, o), to: 'end' },
    ldMapFd(R1, 3),
    movImm(R0, 2),
    { label: 'end' },
    exit(),
  ]);
  assert.equal(prog.length, 5 * 8);
  assert.equal(prog.readInt16LE(2), 3); // skips the two ld_imm64 slots and the mov
  assert.throws(() => assemble([{ jump: (o) => jeqImm(R0, 0, o), to: 'nowhere' }]), /no label nowhere/);
});

test('programs: every map reference carries its fd, every jump lands inside, the last instruction exits', () => {
  for (const prog of [connect4Program(11, 12, 13), reverse4Program(13)]) {
    const n = prog.length / 8;
    assert.equal(hex(prog.subarray(prog.length - 8)), '9500000000000000');
    for (let i = 0; i < n; i++) {
      const op = prog[i * 8];
      if (op === 0x18) {
        assert.equal(prog[i * 8 + 1] >> 4, 1, `slot ${i}: a map fd`);
        assert.ok([11, 12, 13].includes(prog.readInt32LE(i * 8 + 4)));
        i++;
      } else if ((op & 0x07) === 0x05 && op !== 0x85 && op !== 0x95) {
        const target = i + 1 + prog.readInt16LE(i * 8 + 2);
        assert.ok(target > i && target < n, `slot ${i} jumps forward inside the program (${target})`);
      }
    }
  }
});

test('map keys and values hold addresses and ports in network order, as struct bpf_sock_addr has them', () => {
  assert.equal(hex(servicesKey('127.0.0.1', 8080, 'tcp')), '7f000001' + '1f90' + '0600');
  assert.equal(hex(servicesKey('0.0.0.0', 443, 'udp')), '00000000' + '01bb' + '1100');
  assert.equal(hex(backendValue('10.88.0.2', 80)), '0a580002' + '0050' + '0000');
  assert.throws(() => servicesKey('::1', 80, 'tcp'), /not an IPv4 address/);
});
