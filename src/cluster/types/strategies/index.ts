// PLACEHOLDER until the types helper lands: every kind's defaults and validation. Owned by the types room.
import type { ResourceSpec } from '../resource.ts';

export type Strategy = Pick<ResourceSpec, 'defaults' | 'validate' | 'validateUpdate'>;

export function strategyFor(_group: string, _kind: string): Strategy {
  return { defaults() {}, validate: () => [], validateUpdate: () => [] };
}
