// The Deployment control loop (pkg/controller/deployment/deployment_controller.go): per Deployment key, claim
// its ReplicaSets by selector, then — deleted: status only; paused or resized: scale (no rollout); otherwise
// roll out by strategy. It never touches pods: it only sizes ReplicaSets (pods are read for Recreate, which
// waits until the old ones are gone).
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Controller, ControllerContext, ReconcileResult } from '../../client/types.ts';
import { createWorkQueue, runWhenSynced } from '../../client/index.ts';
import type { KObject, LabelSelector } from '../../types/meta.ts';
import { objectKey } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { matchesLabelSelector } from '../../types/labels.ts';
import { claimObjects, controllerUidIndex, getControllerOf } from '../util.ts';
import type { Deployment, ReplicaSet } from './replicasets.ts';
import { activeReplicaSets, desiredReplicasAnnotation, paramsOf } from './replicasets.ts';
import { rolloutRecreate, rolloutRolling } from './rollout.ts';
import type { DeploymentEnv } from './sync.ts';
import { checkPausedConditions, cleanupDeployment, deploymentKind, replicaSetsAndSyncRevision, scale, syncDeploymentStatus } from './sync.ts';
import { cloneJson } from '../../types/clone.ts';

const name = 'deployment-controller';
const workers = 5;
type PodObject = Pod & KObject;

const selectsSomething = (sel: LabelSelector | undefined): sel is LabelSelector =>
  !!sel && (Object.keys(sel.matchLabels ?? {}).length > 0 || (sel.matchExpressions ?? []).length > 0);

export function createDeploymentController(ctx: ControllerContext): Controller {
  const deployments = ctx.informers.informer<Deployment>(R.deployments);
  const replicaSets = ctx.informers.informer<ReplicaSet>(R.replicasets);
  const pods = ctx.informers.informer<PodObject>(R.pods);
  const recorder = ctx.recorder(name);
  const queue = createWorkQueue({ name });
  const index = `${name}/controller-uid`;
  replicaSets.addIndex(index, controllerUidIndex);
  pods.addIndex(index, controllerUidIndex);

  const enqueue = (d: Deployment) => queue.add(objectKey(d));

  function resolve(namespace: string | undefined, ref: ReturnType<typeof getControllerOf>): Deployment | undefined {
    if (!ref || ref.kind !== 'Deployment') return undefined;
    const d = deployments.get(`${namespace}/${ref.name}`);
    return d && d.metadata?.uid === ref.uid ? d : undefined;
  }

  const deploymentsSelecting = (rs: ReplicaSet) =>
    deployments.list(rs.metadata?.namespace).filter((d) => selectsSomething(d.spec?.selector) && matchesLabelSelector(d.spec?.selector, rs.metadata?.labels));

  function replicaSetGone(rs: ReplicaSet) {
    const d = resolve(rs.metadata?.namespace, getControllerOf(rs));
    if (d) enqueue(d);
  }

  deployments.on({ add: enqueue, update: (_o, cur) => enqueue(cur), delete: enqueue });
  replicaSets.on({
    add(rs) {
      if (rs.metadata?.deletionTimestamp) return replicaSetGone(rs);
      const ref = getControllerOf(rs);
      if (ref) return replicaSetGone(rs);
      for (const d of deploymentsSelecting(rs)) enqueue(d);
    },
    update(old, cur) {
      if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
      const oldRef = getControllerOf(old);
      const curRef = getControllerOf(cur);
      const refChanged = oldRef?.uid !== curRef?.uid;
      if (refChanged && oldRef) replicaSetGone(old);
      if (curRef) return replicaSetGone(cur);
      const labelsChanged = JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(cur.metadata?.labels ?? {});
      if (labelsChanged || refChanged) for (const d of deploymentsSelecting(cur)) enqueue(d);
    },
    delete: replicaSetGone,
  });
  // Recreate waits for old pods to be gone: their deletion is the signal to go on
  pods.on({
    delete(pod) {
      const rsRef = getControllerOf(pod);
      if (!rsRef || rsRef.kind !== 'ReplicaSet') return;
      const rs = replicaSets.get(`${pod.metadata?.namespace}/${rsRef.name}`);
      const d = rs && resolve(rs.metadata?.namespace, getControllerOf(rs));
      if (d && !paramsOf(d).rolling) enqueue(d);
    },
  });

  /** the Deployment's ReplicaSets: owned ones that still match, plus matching orphans (adopted) */
  async function claimReplicaSets(d: Deployment): Promise<ReplicaSet[]> {
    const ns = d.metadata?.namespace ?? '';
    const uid = d.metadata?.uid ?? '';
    const candidates = [...replicaSets.byIndex(index, uid), ...replicaSets.byIndex(index, `orphan/${ns}`)];
    return claimObjects(candidates, {
      client: ctx.client,
      resource: R.replicasets,
      owner: d,
      ownerKind: deploymentKind,
      matches: (rs) => matchesLabelSelector(d.spec?.selector, rs.metadata?.labels),
      async canAdopt() {
        const fresh = await ctx.client.get<Deployment>(R.deployments, ns, d.metadata?.name ?? '');
        return fresh.metadata?.uid === uid && !fresh.metadata?.deletionTimestamp;
      },
    });
  }

  /** a resize: some active RS was sized for a different spec.replicas */
  async function isScalingEvent(env: DeploymentEnv, d: Deployment, rsList: ReplicaSet[]): Promise<boolean> {
    const { newRS, oldRSs } = await replicaSetsAndSyncRevision(env, d, rsList, false);
    const want = String(paramsOf(d).replicas);
    return activeReplicaSets([...oldRSs, newRS]).some((rs) => {
      const desired = rs.metadata?.annotations?.[desiredReplicasAnnotation];
      return desired !== undefined && desired !== want;
    });
  }

  /** sync: scale only (resized, or paused), then status */
  async function scaleOnly(env: DeploymentEnv, d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await replicaSetsAndSyncRevision(env, d, rsList, false);
    await scale(env, d, newRS, oldRSs);
    if (paramsOf(d).paused) await cleanupDeployment(env, oldRSs, d);
    await syncDeploymentStatus(env, [...oldRSs, newRS], newRS, d);
  }

  async function syncDeployment(key: string): Promise<ReconcileResult> {
    const cached = deployments.get(key);
    if (!cached) return;
    const d: Deployment = cloneJson(cached);
    let requeueMs: number | undefined;
    const env: DeploymentEnv = {
      client: ctx.client,
      recorder,
      now: () => ctx.now(),
      requeueAfter: (ms) => void (requeueMs = requeueMs === undefined ? ms : Math.min(requeueMs, ms)),
    };
    if (!selectsSomething(d.spec?.selector)) {
      recorder.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) {
        await ctx.client.update(R.deployments, d.metadata?.namespace, { ...d, status: { ...d.status, observedGeneration: d.metadata?.generation } }, { subresource: 'status' });
      }
      return;
    }
    const rsList = await claimReplicaSets(d);
    if (d.metadata?.deletionTimestamp) {
      const { newRS, oldRSs } = await replicaSetsAndSyncRevision(env, d, rsList, false);
      await syncDeploymentStatus(env, [...oldRSs, newRS], newRS, d);
      return;
    }
    await checkPausedConditions(env, d);
    if (paramsOf(d).paused || (await isScalingEvent(env, d, rsList))) await scaleOnly(env, d, rsList);
    else if (paramsOf(d).rolling) await rolloutRolling(env, d, rsList);
    else {
      const podsByRS = new Map(rsList.map((rs) => [rs.metadata?.uid ?? '', pods.byIndex(index, rs.metadata?.uid ?? '') as Pod[]]));
      await rolloutRecreate(env, d, rsList, podsByRS);
    }
    return requeueMs === undefined ? undefined : { requeueAfterMs: requeueMs };
  }

  return {
    name,
    async run(signal) {
      await runWhenSynced(ctx.informers, queue, workers, syncDeployment, signal, name);
    },
  };
}
