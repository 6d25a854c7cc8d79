// The controller manager: every control loop of the cluster, built on one shared informer factory.
import type { Controller, ControllerContext } from '../client/types.ts';
import { createReplicaSetController, createReplicationControllerController } from './replicaset/index.ts';
import { createDeploymentController } from './deployment/index.ts';
import { createDaemonSetController } from './daemonset/index.ts';
import { createStatefulSetController } from './statefulset/index.ts';
import { createJobController } from './job/index.ts';
import { createCronJobController } from './cronjob/index.ts';
import { createTtlAfterFinishedController } from './ttlafterfinished/index.ts';
import { createEndpointsController } from './endpoints/index.ts';
import { createEndpointSliceController } from './endpointslice/index.ts';
import { createGarbageCollector } from './gc/index.ts';
import type { ResourceSpec } from '../types/resource.ts';
import { createNamespaceController } from './namespace/index.ts';
import { createNodeLifecycleController } from './nodelifecycle/index.ts';
import { createServiceLbController, type LbPool } from './servicelb/index.ts';
import { createNodeIpamController } from './nodeipam/index.ts';
import { createTokenCleaner } from './tokencleaner/index.ts';
import { createClusterRoleAggregationController } from './clusterroleaggregation/index.ts';
import { createCsrSigningController, type CsrSigningOptions } from './csrsigning/index.ts';
import { createPersistentVolumeController, createStorageProtectionController } from './volume/index.ts';
import { createServiceAccountsController } from './serviceaccount/index.ts';
import { createRootCACertPublisher } from './rootcacert/index.ts';
import { createTokensController } from './serviceaccounttoken/index.ts';
import { createResourceQuotaController } from './resourcequota/index.ts';
import { createDisruptionController } from './disruption/index.ts';
import { createHorizontalPodAutoscalerController, type HpaControllerOptions } from './hpa/index.ts';

export interface ControllerManagerOptions {
  /** no heartbeat for this long → the node is NotReady and its pods are evicted (default 40 s) */
  nodeMonitorGracePeriodMs?: number;
  /** addresses for LoadBalancer Services (server flag --lb-pool); none: they stay pending */
  lbPool?: LbPool;
  /** Nodes without a podCIDR get a subnet of this (default 10.42.0.0/16) */
  clusterCIDR?: string;
  /** the size of each node's subnet, in prefix bits (default 24) */
  nodeCidrMaskSize?: number;
  /** the cluster CA (PEM) the root CA publisher puts in every namespace's kube-root-ca.crt; unset: no publisher */
  rootCA?: string;
  /** signs legacy ServiceAccount tokens (the token controller; needs rootCA too); unset: no token controller */
  signServiceAccountToken?: (claims: Record<string, unknown>) => string;
  /** every ResourceQuota is recounted this often (default 60 s) */
  resourceQuotaSyncMs?: number;
  /** the HPA controller's metrics source and periods (--horizontal-pod-autoscaler-*) */
  hpa?: HpaControllerOptions;
  /** the cluster CA that signs kube-apiserver-client CSRs (none: they stay unsigned) */
  csrSigning?: CsrSigningOptions;
  /** the kinds the API server serves now, CRD kinds included (what kube's controllers learn from discovery) */
  servedResources?: () => readonly ResourceSpec[];
}

/** the stored version of a served kind (the one without conversion), as the live set's byKind */
const findServed = (specs: readonly ResourceSpec[], group: string, kind: string): ResourceSpec | undefined =>
  specs.find((s) => s.group === group && s.kind === kind && !s.conversion);

export function createControllers(ctx: ControllerContext, opts: ControllerManagerOptions = {}): Controller[] {
  return [
    createReplicaSetController(ctx),
    createReplicationControllerController(ctx),
    createDeploymentController(ctx),
    createDaemonSetController(ctx),
    createStatefulSetController(ctx),
    createJobController(ctx),
    createCronJobController(ctx),
    createTtlAfterFinishedController(ctx),
    createEndpointsController(ctx),
    createEndpointSliceController(ctx),
    createGarbageCollector(ctx, { findKind: opts.servedResources ? (g, k) => findServed(opts.servedResources!(), g, k) : undefined }),
    createNamespaceController(ctx, { resources: opts.servedResources }),
    createNodeLifecycleController(ctx, { gracePeriodMs: opts.nodeMonitorGracePeriodMs }),
    createServiceLbController(ctx, opts.lbPool),
    createNodeIpamController(ctx, { clusterCIDR: opts.clusterCIDR, nodeMaskSize: opts.nodeCidrMaskSize }),
    createTokenCleaner(ctx),
    createPersistentVolumeController(ctx),
    createStorageProtectionController(ctx),
    createServiceAccountsController(ctx),
    ...(opts.rootCA ? [createRootCACertPublisher(ctx, opts.rootCA)] : []),
    ...(opts.rootCA && opts.signServiceAccountToken ? [createTokensController(ctx, { rootCA: opts.rootCA, sign: opts.signServiceAccountToken })] : []),
    createResourceQuotaController(ctx, { resyncMs: opts.resourceQuotaSyncMs, servedKinds: opts.servedResources }),
    createDisruptionController(ctx),
    createClusterRoleAggregationController(ctx),
    createHorizontalPodAutoscalerController(ctx, opts.hpa),
    ...(opts.csrSigning ? [createCsrSigningController(ctx, opts.csrSigning)] : []),
  ];
}
