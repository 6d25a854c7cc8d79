// What `up` does to one service's containers, decided from what exists (pure, so it is unit-tested):
// keep what matches (config hash and image id), recreate what diverged, start what is stopped, create up to
// `scale` and remove beyond it — docker compose's convergence.
export interface Existing {
  id: string;
  name: string;
  number: number;
  /** the com.docker.compose.config-hash label */
  hash: string;
  imageId: string;
  running: boolean;
}

export interface Wanted {
  hash: string;
  /** the id of the image the service runs now */
  imageId: string;
  scale: number;
}

/** --force-recreate: always; --no-recreate: never; default: when the config or the image changed */
export type RecreatePolicy = 'diverged' | 'force' | 'never';

export type Action =
  | { kind: 'create'; number: number }
  | { kind: 'recreate'; old: Existing }
  | { kind: 'start'; container: Existing }
  | { kind: 'running'; container: Existing }
  | { kind: 'remove'; container: Existing };

export function planService(wanted: Wanted, existing: Existing[], policy: RecreatePolicy): Action[] {
  const sorted = [...existing].sort((a, b) => a.number - b.number);
  const keep = sorted.slice(0, wanted.scale);
  const actions: Action[] = sorted.slice(wanted.scale).reverse().map((container) => ({ kind: 'remove', container }));
  for (const c of keep) {
    const diverged = c.hash !== wanted.hash || (wanted.imageId !== '' && c.imageId !== wanted.imageId);
    if (policy === 'force' || (policy === 'diverged' && diverged)) actions.push({ kind: 'recreate', old: c });
    else actions.push(c.running ? { kind: 'running', container: c } : { kind: 'start', container: c });
  }
  let next = Math.max(0, ...existing.map((c) => c.number)) + 1;
  for (let i = keep.length; i < wanted.scale; i++) actions.push({ kind: 'create', number: next++ });
  return actions;
}
