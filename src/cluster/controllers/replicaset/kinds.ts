// ReplicaSet (apps/v1) and ReplicationController (core/v1) are one controller over two kinds; this is what
// differs between them: the resource, the kind written into owner references, and the selector's form
// (a LabelSelector for ReplicaSets, a plain label map for ReplicationControllers).
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { GVR, KObject, LabelSelector } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';

export interface ReplicaCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface ReplicaStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: ReplicaCondition[];
}

/** The shape ReplicaSet and ReplicationController share. */
export interface ReplicaOwner extends KObject {
  spec?: {
    replicas?: number;
    minReadySeconds?: number;
    selector?: LabelSelector | Record<string, string>;
    template?: PodTemplateSpec;
  };
  status?: ReplicaStatus;
}

export interface ReplicaKind {
  /** the controller's name, also the event source */
  name: string;
  resource: GVR;
  gvk: { apiVersion: string; kind: string };
  /** the owner's selector as a LabelSelector (undefined: selects nothing) */
  selectorOf(owner: ReplicaOwner): LabelSelector | undefined;
}

export const replicaSetKind: ReplicaKind = {
  name: 'replicaset-controller',
  resource: R.replicasets,
  gvk: { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
  selectorOf: (rs) => rs.spec?.selector as LabelSelector | undefined,
};

export const replicationControllerKind: ReplicaKind = {
  name: 'replication-controller',
  resource: R.replicationcontrollers,
  gvk: { apiVersion: 'v1', kind: 'ReplicationController' },
  // an RC without a selector selects its template's labels (the API server's defaulting does the same)
  selectorOf(rc) {
    const map = (rc.spec?.selector as Record<string, string> | undefined) ?? rc.spec?.template?.metadata?.labels;
    return map && Object.keys(map).length > 0 ? { matchLabels: map } : undefined;
  },
};

/** spec.replicas with the API default of 1 */
export const desiredReplicas = (owner: ReplicaOwner): number => owner.spec?.replicas ?? 1;
