// The pvc-protection and pv-protection controllers (pkg/controller/volume/pvcprotection, pvprotection): a
// deleted claim keeps its finalizer while a pod that is not finished uses it, and a deleted volume while it is
// Bound, so data is never pulled from under a running container; then the finalizer goes and the object with it.
import type { PersistentVolume as KPV, PersistentVolumeClaim as KPVC, Pod as KPod } from 'kubernetes-types/core/v1.js';
import type { Controller, ControllerContext, ReconcileResult } from '../../client/types.ts';
import { createWorkQueue, runWhenSynced } from '../../client/index.ts';
import type { KObject } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { isPodTerminal } from '../../types/pod.ts';
import { isStatusError } from '../../types/status-error.ts';
import { STORAGE } from '../../types/storage.ts';

type PV = KPV & KObject;
type PVC = KPVC & KObject;
type Pod = KPod & KObject;

const name = 'pvc-protection-controller';
const claimsOf = (p: Pod): string[] => (p.spec?.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim?.claimName ? [`${p.metadata?.namespace}/${v.persistentVolumeClaim.claimName}`] : []));

export function createStorageProtectionController(ctx: ControllerContext): Controller {
  const claims = ctx.informers.informer<PVC>(R.persistentvolumeclaims);
  const volumes = ctx.informers.informer<PV>(R.persistentvolumes);
  const pods = ctx.informers.informer<Pod>(R.pods);
  const queue = createWorkQueue({ name });
  pods.addIndex('claim', claimsOf);

  const deleting = (o: KObject, f: string) => !!o.metadata?.deletionTimestamp && !!o.metadata.finalizers?.includes(f);
  claims.on({ add: (c) => queue.add(`claim:${c.metadata?.namespace}/${c.metadata?.name}`), update: (_o, c) => queue.add(`claim:${c.metadata?.namespace}/${c.metadata?.name}`) });
  volumes.on({ add: (v) => queue.add(`volume:${v.metadata?.name}`), update: (_o, v) => queue.add(`volume:${v.metadata?.name}`) });
  // a pod that finishes or goes may free its claims
  const podGone = (p: Pod) => { for (const k of claimsOf(p)) queue.add(`claim:${k}`); };
  pods.on({ update: (_o, p) => { if (isPodTerminal(p)) podGone(p); }, delete: podGone });

  async function dropFinalizer<T extends KObject>(r: typeof R.pods, ns: string | undefined, obj: T, f: string): Promise<void> {
    const next = { ...obj, metadata: { ...obj.metadata, finalizers: obj.metadata?.finalizers?.filter((x) => x !== f) } };
    try {
      await ctx.client.update(r, ns, next);
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) throw err;
    }
  }

  async function reconcile(key: string): Promise<ReconcileResult> {
    if (key.startsWith('claim:')) {
      const c = claims.get(key.slice(6));
      if (!c || !deleting(c, STORAGE.claimProtection)) return;
      if (pods.byIndex('claim', key.slice(6)).some((p) => !isPodTerminal(p))) return; // a pod event brings it back
      return dropFinalizer(R.persistentvolumeclaims, c.metadata?.namespace, c, STORAGE.claimProtection);
    }
    const v = volumes.get(key.slice(7));
    if (!v || !deleting(v, STORAGE.volumeProtection) || v.status?.phase === 'Bound') return;
    return dropFinalizer(R.persistentvolumes, undefined, v, STORAGE.volumeProtection);
  }

  return { name, run: (signal) => runWhenSynced(ctx.informers, queue, 2, reconcile, signal, name) };
}
