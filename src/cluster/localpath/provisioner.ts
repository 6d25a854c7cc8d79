// The local-path provisioner of one node, run by its agent (external-provisioner's --node-deployment mode, as
// node-local storage needs): claims handed to `rancher.io/local-path` whose selected node is this one get a
// hostPath PersistentVolume under <agent root>/storage pre-bound to them (the PV controller then binds both);
// a Released volume of this node with reclaimPolicy Delete has its directory removed, then its object deleted.
import { rm } from 'node:fs/promises';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import type { ApiClient, ReconcileResult } from '../client/types.ts';
import { createEventRecorder, createInformerFactory, createWorkQueue, runWhenSynced } from '../client/index.ts';
import type { KObject } from '../types/meta.ts';
import { R } from '../types/gvr.ts';
import { isStatusError } from '../types/status-error.ts';
import { logger } from '../../lib/log.ts';
import { claimAction, localPathVolume, reclaimablePath, volumeNameFor } from './volume.ts';

const log = logger('local-path');
const component = 'rancher.io/local-path_skiff';

export interface LocalPathOptions {
  client: ApiClient;
  nodeName: string;
  /** where the volumes' directories go (the agent's <root>/storage) */
  dir: string;
  signal: AbortSignal;
}

export async function runLocalPathProvisioner(o: LocalPathOptions): Promise<void> {
  const informers = createInformerFactory(o.client);
  const claims = informers.informer<PersistentVolumeClaim & KObject>(R.persistentvolumeclaims);
  const volumes = informers.informer<PersistentVolume & KObject>(R.persistentvolumes);
  const classes = informers.informer<StorageClass & KObject>(R.storageclasses);
  const queue = createWorkQueue({ name: 'local-path-provisioner' });
  const recorder = createEventRecorder(o.client, component, () => new Date());
  claims.on({ add: (c) => queue.add(`claim:${c.metadata?.namespace}/${c.metadata?.name}`), update: (_o, c) => queue.add(`claim:${c.metadata?.namespace}/${c.metadata?.name}`) });
  volumes.on({ add: (v) => queue.add(`volume:${v.metadata?.name}`), update: (_o, v) => queue.add(`volume:${v.metadata?.name}`) });

  async function provision(key: string): Promise<ReconcileResult> {
    const c = claims.get(key);
    if (!c) return;
    const sc = classes.get(c.spec?.storageClassName ?? '');
    const action = claimAction(c, sc, o.nodeName);
    if (action === 'skip' || volumes.get(volumeNameFor(c))) return;
    if (action !== 'provision') return void recorder.event(c, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${sc?.metadata?.name}": ${action.refuse}`);
    recorder.event(c, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${key}"`);
    const pv = localPathVolume(c, sc!, o.nodeName, o.dir);
    try {
      await o.client.create(R.persistentvolumes, undefined, pv as KObject);
    } catch (err) {
      if (!isStatusError(err, 'AlreadyExists')) {
        recorder.event(c, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${sc?.metadata?.name}": ${(err as Error).message}`);
        throw err;
      }
    }
    log.info('provisioned', { claim: key, volume: pv.metadata?.name, path: pv.spec?.hostPath?.path });
    recorder.event(c, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pv.metadata?.name}`);
  }

  async function reclaim(name: string): Promise<ReconcileResult> {
    const pv = volumes.get(name);
    const path = pv && reclaimablePath(pv, o.nodeName, o.dir);
    if (!pv || !path) return;
    await rm(path, { recursive: true, force: true });
    log.info('deleted a released volume\'s data', { volume: name, path });
    try {
      await o.client.delete(R.persistentvolumes, undefined, name, { preconditions: { uid: pv.metadata?.uid } });
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) {
        recorder.event(pv, 'Warning', 'VolumeFailedDelete', (err as Error).message);
        throw err;
      }
    }
  }

  const reconcile = (key: string) => (key.startsWith('claim:') ? provision(key.slice(6)) : reclaim(key.slice(7)));
  await runWhenSynced(informers, queue, 2, reconcile, o.signal, 'local-path-provisioner');
}
