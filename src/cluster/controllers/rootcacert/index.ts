// The root CA publisher (kube-controller-manager's root-ca-cert-publisher): a ConfigMap `kube-root-ca.crt`
// in every active namespace holding the cluster CA as `ca.crt` (what pods mount to verify the API server
// through the `kubernetes` Service), with kube's description annotation. Deleted or changed, it is restored.
import type { ConfigMap, Namespace } from 'kubernetes-types/core/v1.js';
import type { Controller, ControllerContext, ReconcileResult } from '../../client/types.ts';
import { createWorkQueue, runWhenSynced } from '../../client/index.ts';
import type { KObject } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { isStatusError } from '../../types/status-error.ts';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
export const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
export const DESCRIPTION = 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

type CM = ConfigMap & KObject;

export function createRootCACertPublisher(ctx: ControllerContext, rootCA: string): Controller {
  const name = 'root-ca-cert-publisher';
  const namespaces = ctx.informers.informer<Namespace & KObject>(R.namespaces);
  const configmaps = ctx.informers.informer<CM>(R.configmaps);
  const queue = createWorkQueue({ name });
  const ours = (cm: CM) => { if (cm.metadata?.name === ROOT_CA_CONFIGMAP) queue.add(cm.metadata.namespace ?? ''); };
  namespaces.on({ add: (ns) => queue.add(ns.metadata?.name ?? ''), update: (_, ns) => queue.add(ns.metadata?.name ?? '') });
  configmaps.on({ update: (_, cm) => ours(cm), delete: ours });

  async function sync(ns: string): Promise<ReconcileResult> {
    const n = namespaces.get(ns);
    if (!n || n.metadata?.deletionTimestamp || n.status?.phase === 'Terminating') return;
    const cm = configmaps.get(`${ns}/${ROOT_CA_CONFIGMAP}`);
    const data = { 'ca.crt': rootCA };
    try {
      if (!cm) {
        await ctx.client.create(R.configmaps, ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIGMAP, namespace: ns, annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION } }, data });
        return;
      }
      const same = JSON.stringify(cm.data ?? {}) === JSON.stringify(data) && !cm.binaryData && !!cm.metadata?.annotations?.[DESCRIPTION_ANNOTATION];
      if (same) return;
      const next: CM = { ...cm, metadata: { ...cm.metadata, annotations: { ...cm.metadata?.annotations, [DESCRIPTION_ANNOTATION]: DESCRIPTION } }, data };
      delete next.binaryData;
      await ctx.client.update(R.configmaps, ns, next);
    } catch (err) {
      // the namespace went or is terminating: nothing to publish
      if (isStatusError(err, 'NotFound') || isStatusError(err, 'Forbidden')) return;
      // our cache lags the store: look again shortly
      if (isStatusError(err, 'AlreadyExists') || isStatusError(err, 'Conflict')) return { requeueAfterMs: 200 };
      throw err;
    }
  }

  return { name, run: (signal) => runWhenSynced(ctx.informers, queue, 2, sync, signal, name) };
}
