// IPv4 address and subnet arithmetic: parsing, overlap, a free /24 from a pool. Pure.
import { invalidArgument } from '../../lib/errors.ts';

export interface Cidr {
  /** network address as an unsigned 32-bit number */
  base: number;
  prefix: number;
}

const ipPattern = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function isIPv4(s: string): boolean {
  const m = ipPattern.exec(s);
  return !!m && m.slice(1).every((o) => Number(o) <= 255 && String(Number(o)) === o);
}

export function ipToInt(s: string): number {
  if (!isIPv4(s)) throw invalidArgument(`invalid IPv4 address: ${s}`);
  return s.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

const maskOf = (prefix: number) => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

/** `10.1.2.3/16` → its address and prefix (the address need not be the network's). */
export function parseAddressPrefix(s: string): { ip: number; prefix: number } {
  const [ip, p, ...rest] = s.split('/');
  const prefix = Number(p);
  if (rest.length || p === undefined || !/^\d{1,2}$/.test(p) || prefix > 32 || !isIPv4(ip)) throw invalidArgument(`invalid CIDR address: ${s}`);
  return { ip: ipToInt(ip), prefix };
}

/** `10.1.0.0/16` → Cidr; host bits are cleared, as docker does for a subnet */
export function parseCidr(s: string): Cidr {
  const { ip, prefix } = parseAddressPrefix(s);
  return { base: (ip & maskOf(prefix)) >>> 0, prefix };
}

export function formatCidr(c: Cidr): string {
  return `${intToIp(c.base)}/${c.prefix}`;
}

export const cidrSize = (c: Cidr) => 2 ** (32 - c.prefix);
export const lastOf = (c: Cidr) => c.base + cidrSize(c) - 1;

export function cidrContains(c: Cidr, ip: number): boolean {
  return ip >= c.base && ip <= lastOf(c);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base <= lastOf(b) && b.base <= lastOf(a);
}

/** The first /`prefix` inside `pool` that overlaps none of `taken`. */
export function findFreeSubnet(pool: Cidr, prefix: number, taken: Cidr[]): Cidr | undefined {
  const step = 2 ** (32 - prefix);
  for (let base = pool.base; base + step - 1 <= lastOf(pool); base += step) {
    const c = { base, prefix };
    if (!taken.some((t) => overlaps(c, t))) return c;
  }
  return undefined;
}

/** The default gateway of a subnet: its first host address (docker's choice). */
export function firstHost(c: Cidr): string {
  return intToIp(c.base + (c.prefix >= 31 ? 0 : 1));
}

/** A usable host address of `c`: not the network or broadcast address. */
export function isHostOf(c: Cidr, ip: number): boolean {
  if (!cidrContains(c, ip)) return false;
  if (c.prefix >= 31) return true;
  return ip !== c.base && ip !== lastOf(c);
}
