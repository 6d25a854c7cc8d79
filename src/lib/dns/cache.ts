// A cache of forwarded answers (CoreDNS's `cache`): keyed by question, kept for the smallest TTL of the answer
// (capped), negative answers (NXDOMAIN, NODATA) for their SOA minimum (capped); served with the TTLs counted
// down. Truncated and failed answers are never kept. Bounded: the least recently used entry goes first.
import * as dnsPacket from 'dns-packet';

export interface CacheOptions {
  /** most entries kept (default 10,000) */
  maxEntries?: number;
  /** the longest an answer is kept, seconds (default 30, the kube-dns Corefile's `cache 30`) */
  maxTtlSec?: number;
  /** the clock (tests) */
  now?: () => number;
}

export interface AnswerCache {
  /** the cached answer (id 0, TTLs counted down) for the key, or undefined */
  get(key: string): Buffer | undefined;
  /** keep `reply` under `key` when it may be cached */
  put(key: string, reply: Buffer): void;
  readonly size: number;
}

interface Entry {
  reply: Buffer;
  storedAt: number;
  expiresAt: number;
}

const RCODE_NOERROR = 0;
const RCODE_NXDOMAIN = 3;

/** The key of a query: name (case folded), type, class, and the DNSSEC-OK bit (it changes the answer). */
export function cacheKey(q: dnsPacket.DecodedPacket): string | undefined {
  const question = q.questions?.[0];
  if (!question || q.questions!.length !== 1) return undefined;
  const opt = q.additionals?.find((a): a is dnsPacket.OptAnswer => a.type === 'OPT');
  return `${question.name.toLowerCase().replace(/\.+$/, '')}|${question.type}|${question.class ?? 'IN'}|${opt?.flag_do ? 1 : 0}`;
}

export function createAnswerCache(o: CacheOptions = {}): AnswerCache {
  const max = o.maxEntries ?? 10_000;
  const maxTtl = o.maxTtlSec ?? 30;
  const now = o.now ?? Date.now;
  const entries = new Map<string, Entry>();
  return {
    get(key) {
      const e = entries.get(key);
      if (!e) return undefined;
      const t = now();
      if (t >= e.expiresAt) {
        entries.delete(key);
        return undefined;
      }
      entries.delete(key); // most recently used goes last
      entries.set(key, e);
      return countDown(e.reply, Math.floor((t - e.storedAt) / 1000));
    },
    put(key, reply) {
      const ttl = cacheableTtl(reply);
      if (ttl === undefined) return;
      const keep = Math.min(ttl, maxTtl);
      if (keep <= 0) return;
      const t = now();
      entries.delete(key);
      entries.set(key, { reply: Buffer.from(reply), storedAt: t, expiresAt: t + keep * 1000 });
      while (entries.size > max) entries.delete(entries.keys().next().value!);
    },
    get size() {
      return entries.size;
    },
  };
}

/** How long the answer may be kept (seconds), or undefined when it may not. */
function cacheableTtl(raw: Buffer): number | undefined {
  let p: dnsPacket.DecodedPacket;
  try {
    p = dnsPacket.decode(raw);
  } catch {
    return undefined;
  }
  if (p.flag_tc) return undefined;
  const rcode = (p.flags ?? 0) & 0xf;
  const answers = (p.answers ?? []).filter((a) => a.type !== 'OPT');
  if (rcode === RCODE_NOERROR && answers.length) return Math.min(...answers.map((a) => a.ttl ?? 0));
  if (rcode !== RCODE_NOERROR && rcode !== RCODE_NXDOMAIN) return undefined;
  // negative: the SOA's minimum bounds it (RFC 2308); without an SOA it is not kept
  const soa = p.authorities?.find((a): a is dnsPacket.SoaAnswer => a.type === 'SOA');
  return soa ? Math.min(soa.ttl ?? 0, soa.data.minimum ?? 0) : undefined;
}

/** A copy of the answer with every TTL lowered by `elapsed` seconds (id 0: the caller sets the client's). */
function countDown(raw: Buffer, elapsed: number): Buffer {
  if (elapsed <= 0) return Buffer.from(raw);
  const p = dnsPacket.decode(raw);
  const lower = (rs: dnsPacket.Answer[] | undefined) => rs?.map((r) => (r.type === 'OPT' ? r : { ...r, ttl: Math.max(0, (r.ttl ?? 0) - elapsed) }));
  return dnsPacket.encode({ ...p, answers: lower(p.answers), authorities: lower(p.authorities), additionals: lower(p.additionals) });
}
