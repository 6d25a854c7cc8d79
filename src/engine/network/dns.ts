// The embedded DNS resolver (Docker's 127.0.0.11, moby libnetwork/resolver.go): on each user network's
// listen address it answers the names of that network's containers and forwards everything else to the
// host's resolvers. The wire format, sockets and forwarding are lib/dns's; this file is Docker's answers.
//
//   const dns = createDnsServer({ upstreams: ['10.0.0.53'], resolveName, resolvePtr });
//   await dns.listen('172.18.0.1');      // a container on that network asks 172.18.0.1:53
//   await dns.unlisten('172.18.0.1');    // network removed
//   await dns.close();                   // daemon stops
import * as net from 'node:net';
import type * as dnsPacket from 'dns-packet';
import { createDnsServer as createServer, normalizeName, ptrToIPv4, type DnsServer, type LocalReply } from '../../lib/dns/index.ts';

export { normalizeName, ptrToIPv4 };
export type { DnsServer };

export interface DnsServerOptions {
  /** resolvers to forward other names to (the host's /etc/resolv.conf nameservers; the daemon runs in the host
   * netns): `ip`, `ip:port` or `[ipv6]:port`. Read at each query, so the caller may change the array. */
  upstreams: string[];
  /** A records for a name asked on the listener `localAddress` (which tells which network asks); undefined → not ours, forward */
  resolveName(name: string, localAddress: string): string[] | undefined;
  /** PTR for an IPv4 of ours; undefined → forward */
  resolvePtr(ip: string, localAddress: string): string | undefined;
}

/** Docker's TTL for the names it answers itself. */
const ANSWER_TTL = 600;

export function createDnsServer(opts: DnsServerOptions): DnsServer {
  return createServer({ upstreams: opts.upstreams, answer: (q, local) => dockerAnswer(opts, q, local) });
}

/** Our answers for the question, or undefined when the name is not ours (forward it). */
function dockerAnswer(opts: DnsServerOptions, q: dnsPacket.Question, local: string): LocalReply | undefined {
  const name = normalizeName(q.name);
  switch (q.type) {
    case 'A': {
      const ips = opts.resolveName(name, local);
      return ips && { answers: shuffle(ips.filter((ip) => net.isIPv4(ip))).map((ip) => ({ type: 'A', name: q.name, ttl: ANSWER_TTL, class: 'IN', data: ip })) };
    }
    case 'AAAA':
      // a container name without an IPv6 address: NOERROR with no answer (not forwarded), as Docker does
      return opts.resolveName(name, local) === undefined ? undefined : { answers: [] };
    case 'PTR': {
      const ip = ptrToIPv4(name);
      const host = ip === undefined ? undefined : opts.resolvePtr(ip, local);
      return host === undefined ? undefined : { answers: [{ type: 'PTR', name: q.name, ttl: ANSWER_TTL, class: 'IN', data: normalizeName(host) }] };
    }
    default:
      return undefined;
  }
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
