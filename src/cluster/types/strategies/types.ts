// The part of a ResourceSpec a kind's strategy supplies (see ../resource.ts).
import type { ResourceSpec } from '../resource.ts';

export type Strategy = Pick<ResourceSpec, 'defaults' | 'validate' | 'validateUpdate'>;
