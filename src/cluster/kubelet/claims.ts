// The PersistentVolume behind a pod's claim, as the kubelet's volume manager finds it: the claim must be Bound
// to a volume whose claimRef names it (desired_state_of_world_populator's words otherwise), and the volume's
// node affinity must hold for this node (MountVolume.NodeAffinity), so a pod placed by hand on the wrong node
// never gets an empty directory where another node holds the data.
import type { Node, PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { ApiClient } from '../client/types.ts';
import type { KObject } from '../types/meta.ts';
import { R } from '../types/gvr.ts';
import { isStatusError } from '../types/status-error.ts';
import { volumeFitsNode } from '../scheduler/index.ts';

const notFound = (err: unknown): undefined => {
  if (isStatusError(err, 'NotFound')) return undefined;
  throw err;
};

export async function claimedVolume(client: ApiClient, nodeName: string, ns: string, name: string): Promise<PersistentVolume> {
  const pvc = await client.get<PersistentVolumeClaim & KObject>(R.persistentvolumeclaims, ns, name).catch(notFound);
  if (!pvc) throw new Error(`persistentvolumeclaim "${name}" not found`);
  const volumeName = pvc.spec?.volumeName ?? '';
  if (pvc.status?.phase !== 'Bound' || !volumeName) throw new Error(`PVC ${ns}/${name} has non-bound phase ("${pvc.status?.phase ?? ''}") or empty pvc.Spec.VolumeName ("${volumeName}")`);
  const pv = await client.get<PersistentVolume & KObject>(R.persistentvolumes, undefined, volumeName).catch(notFound);
  if (!pv) throw new Error(`persistentvolume "${volumeName}" not found`);
  if (pv.spec?.claimRef?.uid && pv.spec.claimRef.uid !== pvc.metadata?.uid) throw new Error(`found PV object "${volumeName}" but it has a ClaimRef that is bound to a different PVC`);
  if (pv.spec?.nodeAffinity?.required?.nodeSelectorTerms?.length) {
    // the Node's own labels (user labels included); the hostname label when it cannot be read
    const node = await client.get<Node & KObject>(R.nodes, undefined, nodeName).catch(() => ({ metadata: { name: nodeName, labels: { 'kubernetes.io/hostname': nodeName } } }));
    if (!volumeFitsNode(pv, node)) throw new Error(`NodeAffinity check failed for volume "${volumeName}" : no matching NodeSelectorTerms`);
  }
  return pv;
}
