// The config hash (com.docker.compose.config-hash): sha256 of the service's resolved configuration, as
// docker compose's ServiceHash leaves out what does not touch a container (scale, build, pull policy), so
// `up` recreates exactly the services whose containers would come out different.
import { createHash } from 'node:crypto';
import type { Service } from '../types.ts';

/** Fields that change how the image is obtained or how many containers run, not what a container is. */
const ignored = new Set<keyof Service>(['scale', 'build', 'pullPolicy', 'raw', 'profiles']);

export function configHash(service: Service): string {
  const kept: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(service)) if (!ignored.has(k as keyof Service)) kept[k] = v;
  return createHash('sha256').update(canonicalJson(kept)).digest('hex');
}

/** JSON with object keys sorted at every level (the same config always gives the same hash) */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
