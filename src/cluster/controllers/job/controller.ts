// The Job control loop (batch/v1, NonIndexed): per Job key, claim its pods, plan one step (./plan.ts), delete
// and create pods (slow-start batches guarded by expectations), record events, write status. Pods are
// counted as they are (no job-tracking finalizers); finished pods are kept, as Kubernetes keeps them.
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Controller, ControllerContext, ReconcileResult } from '../../client/types.ts';
import { createWorkQueue, runWhenSynced } from '../../client/index.ts';
import type { KObject, LabelSelector } from '../../types/meta.ts';
import { objectKey, splitKey } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { matchesLabelSelector } from '../../types/labels.ts';
import { isStatusError } from '../../types/status-error.ts';
import { podFromTemplate } from '../replicaset/index.ts';
import type { PodObject as Pod } from '../replicaset/index.ts';
import { canonicalJson, claimObjects, controllerUidIndex, createExpectations, getControllerOf, newControllerRef, slowStartBatch } from '../util.ts';
import { planJob, type PlanOptions } from './plan.ts';

type JobObject = Job & KObject;

const name = 'job-controller';
const jobKind = { apiVersion: 'batch/v1', kind: 'Job' };
const workers = 5;
const podIndex = `${name}/controller-uid`;

/** the labels Kubernetes puts on a Job's pods (and its generated selector) */
export function jobPodLabels(job: Job): Record<string, string> {
  const uid = job.metadata?.uid ?? '';
  const jobName = job.metadata?.name ?? '';
  return { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': jobName, 'controller-uid': uid, 'job-name': jobName };
}

/** spec.selector, or the one the API server generates from the Job's uid when it did not */
export function jobSelector(job: Job): LabelSelector {
  return job.spec?.selector ?? { matchLabels: { 'batch.kubernetes.io/controller-uid': job.metadata?.uid ?? '' } };
}

export function createJobController(ctx: ControllerContext, opts: PlanOptions = {}): Controller {
  const jobs = ctx.informers.informer<JobObject>(R.jobs);
  const pods = ctx.informers.informer<Pod>(R.pods);
  const recorder = ctx.recorder(name);
  const queue = createWorkQueue({ name });
  const expectations = createExpectations(() => ctx.now().getTime());
  pods.addIndex(podIndex, controllerUidIndex);

  const enqueue = (job: JobObject) => queue.add(objectKey(job));

  function ownerOf(pod: Pod): JobObject | undefined {
    const ref = getControllerOf(pod);
    if (!ref || ref.kind !== 'Job') return undefined;
    const job = jobs.get(`${pod.metadata?.namespace}/${ref.name}`);
    return job?.metadata?.uid === ref.uid ? job : undefined;
  }

  /** Jobs that could adopt an orphan pod */
  const jobsSelecting = (pod: Pod) => jobs.list(pod.metadata?.namespace).filter((j) => matchesLabelSelector(jobSelector(j), pod.metadata?.labels));

  function podChanged(pod: Pod, created: boolean) {
    const owner = ownerOf(pod);
    if (owner) {
      if (pod.metadata?.deletionTimestamp) expectations.deletionObserved(objectKey(owner), objectKey(pod));
      else if (created) expectations.creationObserved(objectKey(owner));
      return enqueue(owner);
    }
    if (!getControllerOf(pod)) for (const j of jobsSelecting(pod)) enqueue(j);
  }

  jobs.on({ add: enqueue, update: (_o, j) => enqueue(j), delete: (j) => expectations.delete(objectKey(j)) });
  pods.on({
    add: (p) => podChanged(p, true),
    update: (old, p) => {
      const before = ownerOf(old);
      if (before && getControllerOf(p)?.uid !== before.metadata?.uid) enqueue(before);
      podChanged(p, false);
    },
    delete: (p) => {
      const owner = ownerOf(p);
      if (!owner) return;
      expectations.deletionObserved(objectKey(owner), objectKey(p));
      enqueue(owner);
    },
  });

  async function createPods(job: JobObject, key: string, count: number): Promise<unknown> {
    const ns = job.metadata?.namespace ?? 'default';
    const template = structuredClone(job.spec?.template ?? {});
    template.metadata = { ...template.metadata, labels: { ...jobPodLabels(job), ...template.metadata?.labels } };
    const ref = newControllerRef(job, jobKind);
    expectations.expectCreations(key, count);
    let attempted = 0;
    const { error } = await slowStartBatch(count, 1, async () => {
      attempted++;
      try {
        const pod = await ctx.client.create<Pod>(R.pods, ns, podFromTemplate(template, job.metadata?.name ?? '', ns, ref));
        recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata?.name}`);
      } catch (err) {
        expectations.creationObserved(key); // it will never show up
        recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${err instanceof Error ? err.message : String(err)}`);
        throw err;
      }
    });
    for (let i = attempted; i < count; i++) expectations.creationObserved(key);
    return error;
  }

  async function deletePods(job: JobObject, key: string, victims: Pod[]): Promise<unknown> {
    expectations.expectDeletions(key, victims.map(objectKey));
    let firstError: unknown;
    await Promise.all(victims.map(async (pod) => {
      try {
        await ctx.client.delete(R.pods, pod.metadata?.namespace, pod.metadata?.name ?? '', { preconditions: { uid: pod.metadata?.uid } });
        recorder.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata?.name}`);
      } catch (err) {
        expectations.deletionObserved(key, objectKey(pod));
        if (isStatusError(err, 'NotFound')) return;
        recorder.event(job, 'Warning', 'FailedDelete', `Error deleting: ${err instanceof Error ? err.message : String(err)}`);
        firstError ??= err;
      }
    }));
    return firstError;
  }

  async function syncJob(key: string): Promise<ReconcileResult> {
    const job = jobs.get(key);
    if (!job) return void expectations.delete(key);
    if (job.metadata?.deletionTimestamp || !expectations.satisfied(key)) return;
    const { namespace } = splitKey(key);
    const uid = job.metadata?.uid ?? '';
    const selector = jobSelector(job);
    const candidates = [...pods.byIndex(podIndex, uid), ...pods.byIndex(podIndex, `orphan/${namespace}`)];
    const owned = await claimObjects(candidates, {
      client: ctx.client, resource: R.pods, owner: job, ownerKind: jobKind,
      matches: (p) => matchesLabelSelector(selector, p.metadata?.labels),
      canAdopt: async () => {
        const fresh = await ctx.client.get<JobObject>(R.jobs, namespace, job.metadata?.name ?? '');
        return fresh.metadata?.uid === uid && !fresh.metadata?.deletionTimestamp;
      },
    });

    const plan = planJob(job, owned, ctx.now(), opts);
    const errors = [
      plan.remove.length ? await deletePods(job, key, plan.remove) : undefined,
      plan.create > 0 ? await createPods(job, key, plan.create) : undefined,
    ];
    for (const e of plan.events) recorder.event(job, e.type, e.reason, e.message);
    if (canonicalJson(plan.status) !== canonicalJson(job.status ?? {})) {
      try {
        await ctx.client.update(R.jobs, namespace, { ...job, status: plan.status } as KObject, { subresource: 'status' });
      } catch (err) {
        // a stale cached Job (our own last write not seen yet): the informer's update brings it back
        if (isStatusError(err, 'Conflict')) return { requeueAfterMs: 100 };
        if (!isStatusError(err, 'NotFound')) throw err;
      }
    }
    const error = errors.find((e) => e !== undefined);
    if (error) throw error;
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : undefined;
  }

  return {
    name,
    async run(signal) {
      await runWhenSynced(ctx.informers, queue, workers, syncJob, signal, name);
    },
  };
}
