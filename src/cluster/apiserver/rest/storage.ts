// Admission for the storage kinds, as kube-apiserver's plugins do it on create: DefaultStorageClass (a claim
// that names no class — the field absent, not "" — gets the default StorageClass; with several defaults the
// newest wins, as Kubernetes 1.28+) and StorageObjectInUseProtection (claims and volumes get the protection
// finalizer, which the PV controller's protection loop removes once nothing uses them).
import type { KObject } from '../../types/meta.ts';
import { isDefaultStorageClass } from '../../types/strategies/index.ts';
import { STORAGE } from '../../types/storage.ts';
import type { RestContext } from './context.ts';
import { listObjects } from './list.ts';

const isClaim = (spec: { group: string; kind: string }): boolean => spec.group === '' && spec.kind === 'PersistentVolumeClaim';
const isVolume = (spec: { group: string; kind: string }): boolean => spec.group === '' && spec.kind === 'PersistentVolume';

export async function admitStorage(ctx: RestContext, spec: { group: string; kind: string }, obj: KObject): Promise<void> {
  if (isClaim(spec)) {
    await defaultStorageClass(ctx, obj);
    addFinalizer(obj, STORAGE.claimProtection);
  } else if (isVolume(spec)) addFinalizer(obj, STORAGE.volumeProtection);
}

function addFinalizer(obj: KObject, finalizer: string): void {
  const meta = (obj.metadata ??= {});
  if (!meta.finalizers?.includes(finalizer)) meta.finalizers = [...(meta.finalizers ?? []), finalizer];
}

async function defaultStorageClass(ctx: RestContext, claim: KObject): Promise<void> {
  const spec = (claim.spec ??= {}) as { storageClassName?: string | null };
  if (spec.storageClassName !== undefined && spec.storageClassName !== null) return;
  const classes = ctx.specByKind('storage.k8s.io', 'StorageClass');
  if (!classes) return;
  const defaults = (await listObjects(ctx, classes, undefined, { resourceVersion: '0' })).items.filter(isDefaultStorageClass);
  if (defaults.length === 0) return;
  const created = (o: KObject) => o.metadata?.creationTimestamp ?? '';
  const newest = defaults.reduce((a, b) => (created(b) > created(a) || (created(b) === created(a) && (b.metadata?.name ?? '') < (a.metadata?.name ?? '')) ? b : a));
  spec.storageClassName = newest.metadata?.name;
}
