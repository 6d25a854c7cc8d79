// Name helpers shared by the DNS servers: case folding and reverse (PTR) names.
import * as net from 'node:net';

/** Names are case-insensitive and the trailing dot is ignored. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.+$/, '');
}

/** `4.3.2.1.in-addr.arpa` → `1.2.3.4`; anything else → undefined. */
export function ptrToIPv4(name: string): string | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.in-addr\.arpa$/.exec(normalizeName(name));
  if (!m) return undefined;
  const ip = [m[4], m[3], m[2], m[1]].map(Number).join('.');
  return net.isIPv4(ip) ? ip : undefined;
}

/** `1.2.3.4` → `4.3.2.1.in-addr.arpa` */
export function ipv4ToPtr(ip: string): string {
  return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
}
