// IPv4 addresses and CIDRs as plain numbers: parse once at the edge, then compare and step with arithmetic.
import { networkInterfaces } from 'node:os';
import { invalidArgument } from './errors.ts';

export interface Cidr4 {
  /** the network address as an unsigned 32-bit number */
  base: number;
  bits: number;
}

/** the address as an unsigned number, or undefined when it is not dotted-quad IPv4 */
export function ipv4ToInt(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return parts.reduce((a, o) => a * 256 + o, 0);
}

export const intToIpv4 = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

/** `a.b.c.d/n` with its host bits cleared; throws InvalidArgument naming `what` */
export function parseCidr4(cidr: string, what = 'CIDR'): Cidr4 {
  const [addr, bitsText, extra] = cidr.split('/');
  const ip = ipv4ToInt(addr ?? '');
  const bits = Number(bitsText);
  if (ip === undefined || extra !== undefined || !/^\d{1,2}$/.test(bitsText ?? '') || bits > 32) {
    throw invalidArgument(`invalid ${what} "${cidr}": use an IPv4 CIDR like 10.42.0.0/16`);
  }
  const size = 2 ** (32 - bits);
  return { base: Math.floor(ip / size) * size, bits };
}

export const cidrSize = (c: Cidr4) => 2 ** (32 - c.bits);
export const formatCidr4 = (c: Cidr4) => `${intToIpv4(c.base)}/${c.bits}`;
export const cidrContains = (c: Cidr4, ip: number) => ip >= c.base && ip < c.base + cidrSize(c);

/** this host's first non-loopback IPv4 address, else 127.0.0.1 (kubelet's and kube-apiserver's default) */
export function firstHostIPv4(): string {
  for (const addrs of Object.values(networkInterfaces())) for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return '127.0.0.1';
}
