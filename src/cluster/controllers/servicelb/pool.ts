// The LoadBalancer address pool (`skiff server --lb-pool`): IPv4 ranges written `A-B` or as a CIDR, several
// joined by commas. Parsed once, where the flag is read; the controller only asks it questions.
import { invalidArgument } from '../../../lib/errors.ts';

export interface LbPool {
  /** the flag as given, for messages */
  readonly text: string;
  readonly size: number;
  contains(ip: string): boolean;
  /** the first address of the pool not in `used`, in order */
  firstFree(used: ReadonlySet<string>): string | undefined;
}

const octets = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** the address as an unsigned 32-bit number, or undefined when it is no dotted IPv4 address */
export function ipv4ToInt(s: string): number | undefined {
  const m = octets.exec(s.trim());
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

export const intToIpv4 = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

function parseRange(part: string, whole: string): [number, number] {
  const bad = (why: string) => invalidArgument(`invalid --lb-pool "${whole}": ${why} (use a range like 10.0.0.200-10.0.0.250 or a CIDR like 10.0.0.192/27)`);
  const slash = part.indexOf('/');
  if (slash >= 0) {
    const base = ipv4ToInt(part.slice(0, slash));
    const bits = Number(part.slice(slash + 1));
    if (base === undefined || !/^\d{1,2}$/.test(part.slice(slash + 1)) || bits > 32) throw bad(`"${part}" is no IPv4 CIDR`);
    const size = 2 ** (32 - bits);
    const start = base - (base % size);
    // a subnet's network and broadcast addresses are no host's: leave them out where there are others
    return size > 2 ? [start + 1, start + size - 2] : [start, start + size - 1];
  }
  const [a, b, ...rest] = part.split('-');
  const start = ipv4ToInt(a ?? '');
  const end = b === undefined ? start : ipv4ToInt(b);
  if (rest.length || start === undefined || end === undefined) throw bad(`"${part}" is no IPv4 address range`);
  if (end < start) throw bad(`"${part}" ends before it starts`);
  return [start, end];
}

export function parseLbPool(text: string): LbPool {
  const parts = text.split(',').map((p) => p.trim()).filter((p) => p);
  if (!parts.length) throw invalidArgument(`invalid --lb-pool "${text}": it names no addresses`);
  const ranges = parts.map((p) => parseRange(p, text));
  return {
    text,
    size: ranges.reduce((n, [s, e]) => n + e - s + 1, 0),
    contains(ip) {
      const n = ipv4ToInt(ip);
      return n !== undefined && ranges.some(([s, e]) => n >= s && n <= e);
    },
    firstFree(used) {
      for (const [s, e] of ranges) {
        for (let n = s; n <= e; n++) {
          const ip = intToIpv4(n);
          if (!used.has(ip)) return ip;
        }
      }
      return undefined;
    },
  };
}
