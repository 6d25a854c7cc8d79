// Content negotiation: what the Accept header asks for, in the client's order. skiff answers JSON only;
// when a client lists protobuf first (client-go does for built-in kinds) the JSON it also accepts is served.
// kubectl's `get` asks `application/json;as=Table;v=v1;g=meta.k8s.io`, its discovery asks
// `application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`.
import type { AggregatedVersion } from '../discovery.ts';

export interface MediaRange {
  type: string; // 'application/json', '*/*'
  params: Record<string, string>;
}

/** What the response should be: plain JSON, a Table, or aggregated discovery */
export type Representation =
  | { as: 'json' }
  | { as: 'table'; version: 'v1' | 'v1beta1' }
  | { as: 'discovery'; version: AggregatedVersion };

export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [];
  const out: MediaRange[] = [];
  for (const part of header.split(',')) {
    const [type, ...rest] = part.split(';').map((s) => s.trim());
    if (!type) continue;
    const params: Record<string, string> = {};
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq > 0) params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim().replace(/^"|"$/g, '');
    }
    out.push({ type: type.toLowerCase(), params });
  }
  return out;
}

const jsonish = (type: string) => type === 'application/json' || type === '*/*' || type === 'application/*';

/**
 * The first range in the client's order that skiff can serve. `discovery` says whether aggregated
 * discovery is on offer (only /api and /apis); `table` whether a Table is (GET of a kind's objects).
 */
export function negotiate(ranges: MediaRange[], offer: { table?: boolean; discovery?: boolean }): Representation {
  for (const r of ranges) {
    if (!jsonish(r.type)) continue;
    const { as, g, v } = r.params;
    if (!as) return { as: 'json' };
    if (as === 'Table' && g === 'meta.k8s.io' && (v === 'v1' || v === 'v1beta1') && offer.table) return { as: 'table', version: v };
    if (as === 'APIGroupDiscoveryList' && g === 'apidiscovery.k8s.io' && (v === 'v2' || v === 'v2beta1') && offer.discovery) return { as: 'discovery', version: v };
  }
  return { as: 'json' };
}

/** The Content-Type header of a representation */
export function contentTypeOf(rep: Representation): string {
  switch (rep.as) {
    case 'json': return 'application/json';
    case 'table': return `application/json;as=Table;v=${rep.version};g=meta.k8s.io`;
    case 'discovery': return `application/json;g=apidiscovery.k8s.io;v=${rep.version};as=APIGroupDiscoveryList`;
  }
}
