// Answers for the cluster zone (the Kubernetes DNS spec): records from the index, pod names
// (`1-2-3-4.<ns>.pod.<zone>`, CoreDNS's `pods insecure`), NODATA for names that exist without the type asked
// and NXDOMAIN for the rest, both with the zone's SOA so resolvers cache the miss; PTR for our addresses.
// An ExternalName's CNAME is followed: inside the zone from the index, outside through the upstreams.
import * as net from 'node:net';
import type * as dnsPacket from 'dns-packet';
import { normalizeName, ptrToIPv4, RCODE_NXDOMAIN, RCODE_SERVFAIL, type LocalReply } from '../../lib/dns/index.ts';
import type { RecordIndex, RecordSet } from './records.ts';

/** CoreDNS's kubernetes plugin answers with TTL 5 (its `ttl` default), and caches misses as long. */
export const RECORD_TTL = 5;

export interface ZoneSource {
  zone: string;
  index: RecordIndex;
  /** false until the Services and EndpointSlices are listed: names of the zone get SERVFAIL, not a false NXDOMAIN */
  synced(): boolean;
  /** ask the upstreams (a CNAME's target outside the zone) */
  lookup(name: string, type: dnsPacket.RecordType): Promise<dnsPacket.DecodedPacket | undefined>;
}

/** Our reply, or undefined: not the cluster's name, forward it. */
export async function answerCluster(src: ZoneSource, q: dnsPacket.Question): Promise<LocalReply | undefined> {
  const name = normalizeName(q.name);
  const zone = src.zone.toLowerCase();
  if (q.type === 'PTR') return answerPtr(src, q, name);
  if (name !== zone && !name.endsWith(`.${zone}`)) return undefined;
  if (!src.synced()) return { rcode: RCODE_SERVFAIL, answers: [] };
  const soa = [soaRecord(zone)];
  if (name === zone && q.type === 'SOA') return { answers: soa, authoritative: true };
  const pod = podAddress(name, zone);
  if (pod !== undefined) {
    if (!pod) return { rcode: RCODE_NXDOMAIN, answers: [], authorities: soa, authoritative: true };
    const type = net.isIPv4(pod) ? 'A' : 'AAAA';
    const answers = q.type === type || (q.type as string) === 'ANY' ? [{ type, name: q.name, ttl: RECORD_TTL, class: 'IN', data: pod } as dnsPacket.Answer] : [];
    return { answers, authorities: answers.length ? [] : soa, authoritative: true };
  }
  const set = src.index.lookup(name);
  if (!set) {
    const exists = name === zone || src.index.hasChildren(name) || name === `svc.${zone}` || name === `pod.${zone}` || name.endsWith(`.pod.${zone}`);
    return { rcode: exists ? 0 : RCODE_NXDOMAIN, answers: [], authorities: soa, authoritative: true };
  }
  const answers: dnsPacket.Answer[] = [];
  const additionals: dnsPacket.Answer[] = [];
  if (set.cname) {
    answers.push({ type: 'CNAME', name: q.name, ttl: RECORD_TTL, class: 'IN', data: set.cname });
    if (q.type !== 'CNAME') answers.push(...(await follow(src, set.cname, q.type, zone)));
    return { answers, authoritative: true };
  }
  answers.push(...recordsOf(set, q.name, q.type));
  if (q.type === 'SRV') {
    // the targets' addresses, so the client needs no second query
    for (const s of set.srv) {
      const t = src.index.lookup(s.target);
      if (t) additionals.push(...recordsOf(t, s.target, 'A'), ...recordsOf(t, s.target, 'AAAA'));
    }
  }
  return { answers, authorities: answers.length ? [] : soa, additionals: dedupe(additionals), authoritative: true };
}

function recordsOf(set: RecordSet, owner: string, type: string): dnsPacket.Answer[] {
  const out: dnsPacket.Answer[] = [];
  const any = type === 'ANY';
  if (type === 'A' || any) for (const ip of shuffle([...set.a])) out.push({ type: 'A', name: owner, ttl: RECORD_TTL, class: 'IN', data: ip });
  if (type === 'AAAA' || any) for (const ip of shuffle([...set.aaaa])) out.push({ type: 'AAAA', name: owner, ttl: RECORD_TTL, class: 'IN', data: ip });
  if (type === 'SRV' || any) {
    // weight: an even share of 100 among the targets, as CoreDNS gives
    const weight = set.srv.length ? Math.floor(100 / set.srv.length) : 0;
    for (const s of set.srv) out.push({ type: 'SRV', name: owner, ttl: RECORD_TTL, class: 'IN', data: { priority: 0, weight, port: s.port, target: s.target } });
  }
  return out;
}

/** A CNAME's target's records: from the index when it is ours, else asked upstream (nothing when that fails). */
async function follow(src: ZoneSource, target: string, type: dnsPacket.RecordType, zone: string): Promise<dnsPacket.Answer[]> {
  if (target === zone || target.endsWith(`.${zone}`)) {
    const set = src.index.lookup(target);
    return set && !set.cname ? recordsOf(set, target, type) : [];
  }
  const reply = await src.lookup(target, type);
  return (reply?.answers ?? []).filter((a) => a.type !== 'OPT');
}

/** PTR for a ClusterIP or an endpoint address; other addresses are forwarded. */
function answerPtr(src: ZoneSource, q: dnsPacket.Question, name: string): LocalReply | undefined {
  const ip = ptrToIPv4(name);
  const host = ip === undefined ? undefined : src.index.reverse(ip);
  return host === undefined ? undefined : { answers: [{ type: 'PTR', name: q.name, ttl: RECORD_TTL, class: 'IN', data: host }], authoritative: true };
}

/** `1-2-3-4.<ns>.pod.<zone>` → `1.2.3.4`; '' for a malformed pod name; undefined for names outside `pod.<zone>`
 *  or above the pods (`<ns>.pod.<zone>`). */
function podAddress(name: string, zone: string): string | undefined {
  const suffix = `.pod.${zone}`;
  if (!name.endsWith(suffix)) return undefined;
  const labels = name.slice(0, -suffix.length).split('.');
  if (labels.length < 2) return undefined;
  if (labels.length > 2) return '';
  const v4 = labels[0].replaceAll('-', '.');
  if (net.isIPv4(v4)) return v4;
  const v6 = labels[0].replaceAll('-', ':');
  return net.isIPv6(v6) ? v6 : '';
}

function soaRecord(zone: string): dnsPacket.Answer {
  return {
    type: 'SOA', name: zone, ttl: RECORD_TTL, class: 'IN',
    // CoreDNS's names for the zone's SOA; the serial only has to grow, seconds do
    data: { mname: `ns.dns.${zone}`, rname: `hostmaster.${zone}`, serial: Math.floor(Date.now() / 1000), refresh: 7200, retry: 1800, expire: 86400, minimum: RECORD_TTL },
  };
}

function dedupe(rs: dnsPacket.Answer[]): dnsPacket.Answer[] {
  const seen = new Set<string>();
  return rs.filter((r) => {
    const k = `${r.type}|${r.name}|${JSON.stringify((r as { data?: unknown }).data)}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
