// The TTL-after-finished controller (pkg/controller/ttlafterfinished): a finished Job with
// spec.ttlSecondsAfterFinished is deleted (foreground: its pods first) that many seconds after it finished —
// the time its Complete or Failed condition turned True. Checked again on a fresh read before deleting.
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Controller, ControllerContext, ReconcileResult } from '../../client/types.ts';
import { createWorkQueue, runWhenSynced } from '../../client/index.ts';
import type { KObject } from '../../types/meta.ts';
import { objectKey, splitKey } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { isStatusError } from '../../types/status-error.ts';
import { logger } from '../../../lib/log.ts';

type JobObject = Job & KObject;

const name = 'ttl-after-finished-controller';
const workers = 2;
const log = logger(name);

/** when the Job finished (its Complete/Failed condition's lastTransitionTime), if it did and has a TTL */
function finishedAt(job: Job): number | undefined {
  if (job.spec?.ttlSecondsAfterFinished == null) return undefined;
  const c = job.status?.conditions?.find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  if (!c) return undefined;
  const t = Date.parse(c.lastTransitionTime ?? '');
  if (Number.isNaN(t)) throw new Error(`unable to find the time when the Job ${job.metadata?.namespace}/${job.metadata?.name} finished`);
  return t;
}

/** milliseconds until the Job expires (≤ 0: expired), or undefined when it needs no clean-up */
export function ttlRemainingMs(job: Job, now: number): number | undefined {
  if (job.metadata?.deletionTimestamp) return undefined;
  const done = finishedAt(job);
  if (done === undefined) return undefined;
  return done + (job.spec?.ttlSecondsAfterFinished ?? 0) * 1000 - now;
}

export function createTtlAfterFinishedController(ctx: ControllerContext): Controller {
  const jobs = ctx.informers.informer<JobObject>(R.jobs);
  const queue = createWorkQueue({ name });
  const enqueueIfDone = (job: JobObject) => {
    if (job.metadata?.deletionTimestamp == null && job.spec?.ttlSecondsAfterFinished != null && job.status?.conditions?.length) queue.add(objectKey(job));
  };
  jobs.on({ add: enqueueIfDone, update: (_o, j) => enqueueIfDone(j) });

  async function processJob(key: string): Promise<ReconcileResult> {
    const cached = jobs.get(key);
    if (!cached) return;
    const left = ttlRemainingMs(cached, ctx.now().getTime());
    if (left === undefined) return;
    if (left > 0) return { requeueAfterMs: left };
    // the cache may be stale (TTL changed, Job restarted): decide on the server's copy
    const { namespace, name: jobName } = splitKey(key);
    let fresh: JobObject;
    try {
      fresh = await ctx.client.get<JobObject>(R.jobs, namespace, jobName);
    } catch (err) {
      if (isStatusError(err, 'NotFound')) return;
      throw err;
    }
    const freshLeft = ttlRemainingMs(fresh, ctx.now().getTime());
    if (freshLeft === undefined) return;
    if (freshLeft > 0) return { requeueAfterMs: freshLeft };
    log.debug(`cleaning up expired Job ${key}`);
    try {
      await ctx.client.delete(R.jobs, namespace, jobName, { propagationPolicy: 'Foreground', preconditions: { uid: fresh.metadata?.uid } });
    } catch (err) {
      // gone already, or a new Job of the same name (the uid precondition): nothing of ours to delete
      if (isStatusError(err, 'NotFound') || isStatusError(err, 'Conflict')) return;
      throw err;
    }
  }

  return {
    name,
    async run(signal) {
      await runWhenSynced(ctx.informers, queue, workers, processJob, signal, name);
    },
  };
}
