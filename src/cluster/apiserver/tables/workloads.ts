// Printers of the workload kinds (kube's printDeployment, printReplicaSet, printDaemonSet, printStatefulSet,
// printJob, printCronJob, printHorizontalPodAutoscaler, printControllerRevision, printReplicationController).
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet, ControllerRevision } from 'kubernetes-types/apps/v1.js';
import type { Job, CronJob } from 'kubernetes-types/batch/v1.js';
import type { HorizontalPodAutoscaler, MetricSpec, MetricStatus } from 'kubernetes-types/autoscaling/v2.js';
import { hpaFromV1 } from '../../types/conversion/autoscaling.ts';
import type { ReplicationController } from 'kubernetes-types/core/v1.js';
import type { Printer } from './types.ts';
import {
  ageColumn, boolText, col, containerCells, containersColumn, formatLabels, formatLabelSelector, humanDuration, imagesColumn, int,
  nameColumn, selectorColumn, selectorString, since, nameOf, ageOf,
} from './format.ts';

const intCol = (name: string, description: string) => col(name, description, { type: 'integer' });

export const deploymentPrinter: Printer = {
  columns: [nameColumn, col('Ready', 'Number of the pod with ready state'), col('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
    col('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'), ageColumn, containersColumn, imagesColumn, selectorColumn()],
  cells(obj, now) {
    const d = obj as Deployment;
    const [names, images] = containerCells(d.spec?.template?.spec?.containers);
    return [nameOf(d), `${int(d.status?.readyReplicas)}/${int(d.spec?.replicas)}`, int(d.status?.updatedReplicas), int(d.status?.availableReplicas), ageOf(d, now),
      names, images, selectorString(d.spec?.selector)];
  },
};

const replicaColumns = [nameColumn, intCol('Desired', 'Replicas is the number of desired replicas.'), intCol('Current', 'Replicas is the most recently observed number of replicas.'),
  intCol('Ready', 'readyReplicas is the number of pods targeted by this ReplicaSet with a Ready Condition.'), ageColumn, containersColumn, imagesColumn, selectorColumn()];

export const replicaSetPrinter: Printer = {
  columns: replicaColumns,
  cells(obj, now) {
    const rs = obj as ReplicaSet;
    const [names, images] = containerCells(rs.spec?.template?.spec?.containers);
    return [nameOf(rs), int(rs.spec?.replicas), int(rs.status?.replicas), int(rs.status?.readyReplicas), ageOf(rs, now), names, images, selectorString(rs.spec?.selector)];
  },
};

export const replicationControllerPrinter: Printer = {
  columns: replicaColumns,
  cells(obj, now) {
    const rc = obj as ReplicationController;
    const [names, images] = containerCells(rc.spec?.template?.spec?.containers);
    const sel = Object.keys(rc.spec?.selector ?? {}).length ? formatLabels(rc.spec?.selector) : '';
    return [nameOf(rc), int(rc.spec?.replicas), int(rc.status?.replicas), int(rc.status?.readyReplicas), ageOf(rc, now), names, images, sel];
  },
};

export const daemonSetPrinter: Printer = {
  columns: [nameColumn, intCol('Desired', 'The total number of nodes that should be running the daemon pod.'), intCol('Current', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'),
    intCol('Ready', 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.'),
    intCol('Up-to-date', 'The total number of nodes that are running updated daemon pod'), intCol('Available', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.'),
    col('Node Selector', 'NodeSelector is a selector which must be true for the pod to fit on a node.'), ageColumn, containersColumn, imagesColumn, selectorColumn()],
  cells(obj, now) {
    const ds = obj as DaemonSet;
    const [names, images] = containerCells(ds.spec?.template?.spec?.containers);
    const s = ds.status;
    return [nameOf(ds), int(s?.desiredNumberScheduled), int(s?.currentNumberScheduled), int(s?.numberReady), int(s?.updatedNumberScheduled), int(s?.numberAvailable),
      formatLabels(ds.spec?.template?.spec?.nodeSelector), ageOf(ds, now), names, images, selectorString(ds.spec?.selector)];
  },
};

export const statefulSetPrinter: Printer = {
  columns: [nameColumn, col('Ready', 'Number of the pod with ready state'), ageColumn, containersColumn, imagesColumn],
  cells(obj, now) {
    const ss = obj as StatefulSet;
    const [names, images] = containerCells(ss.spec?.template?.spec?.containers);
    return [nameOf(ss), `${int(ss.status?.readyReplicas)}/${int(ss.spec?.replicas)}`, ageOf(ss, now), names, images];
  },
};

export const controllerRevisionPrinter: Printer = {
  columns: [nameColumn, col('Controller', 'Controller of the object'), col('Revision', 'Revision indicates the revision of the state represented by Data.', { type: 'integer' }), ageColumn],
  cells(obj, now) {
    const cr = obj as unknown as ControllerRevision;
    const owner = cr.metadata?.ownerReferences?.find((r) => r.controller);
    let controller = '<none>';
    if (owner) {
      const slash = owner.apiVersion.indexOf('/');
      const group = slash < 0 ? '' : owner.apiVersion.slice(0, slash);
      controller = `${(group ? `${owner.kind}.${group}` : owner.kind).toLowerCase()}/${owner.name}`;
    }
    return [nameOf(cr), controller, cr.revision, ageOf(cr, now)];
  },
};

const hasCondition = (job: Job, type: string) => (job.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');

function jobStatus(job: Job): string {
  if (hasCondition(job, 'Complete')) return 'Complete';
  if (hasCondition(job, 'Failed')) return 'Failed';
  if (job.metadata?.deletionTimestamp) return 'Terminating';
  if (hasCondition(job, 'Suspended')) return 'Suspended';
  if (hasCondition(job, 'FailureTarget')) return 'FailureTarget';
  if (hasCondition(job, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

export const jobPrinter: Printer = {
  columns: [nameColumn, col('Status', 'Status of the job.'), col('Completions', 'The number of pods which reached phase Succeeded.'),
    col('Duration', 'Time required to complete the job.'), ageColumn, containersColumn, imagesColumn, selectorColumn()],
  cells(obj, now) {
    const job = obj as Job;
    const succeeded = int(job.status?.succeeded);
    const parallelism = job.spec?.parallelism ?? 0;
    const completions = job.spec?.completions !== undefined && job.spec.completions !== null ? `${succeeded}/${job.spec.completions}`
      : parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
    const start = job.status?.startTime ? Date.parse(job.status.startTime) : undefined;
    const end = job.status?.completionTime ? Date.parse(job.status.completionTime) : now.getTime();
    const duration = start === undefined ? '' : humanDuration(end - start);
    const [names, images] = containerCells(job.spec?.template?.spec?.containers);
    return [nameOf(job), jobStatus(job), completions, duration, ageOf(job, now), names, images, formatLabelSelector(job.spec?.selector)];
  },
};

export const cronJobPrinter: Printer = {
  columns: [nameColumn, col('Schedule', 'The schedule in Cron format'), col('Timezone', 'The time zone name for the given schedule'), col('Suspend', 'This flag tells the controller to suspend subsequent executions', { type: 'boolean' }),
    col('Active', 'A list of pointers to currently running jobs.', { type: 'integer' }), col('Last Schedule', 'Information when was the last time the job was successfully scheduled.'), ageColumn,
    containersColumn, imagesColumn, selectorColumn()],
  cells(obj, now) {
    const cj = obj as CronJob;
    const tpl = cj.spec?.jobTemplate?.spec;
    const [names, images] = containerCells(tpl?.template?.spec?.containers);
    const last = cj.status?.lastScheduleTime ? since(cj.status.lastScheduleTime, now) : '<none>';
    return [nameOf(cj), cj.spec?.schedule ?? '', cj.spec?.timeZone ?? '<none>', boolText(cj.spec?.suspend), (cj.status?.active ?? []).length, last, ageOf(cj, now),
      names, images, formatLabelSelector(tpl?.selector)];
  },
};

/** one HPA metric as `cpu: 40%/80%` (current/target), `<unknown>` before the controller measured it */
function formatMetric(spec: MetricSpec, statuses: MetricStatus[]): string {
  const quantity = (v: unknown) => (v === undefined || v === null ? '<unknown>' : String(v));
  switch (spec.type) {
    case 'Resource':
    case 'ContainerResource': {
      const src = spec.type === 'Resource' ? spec.resource : spec.containerResource;
      if (!src) return '<unknown>';
      const st = statuses.find((s) => s.type === spec.type && (s.resource?.name ?? s.containerResource?.name) === src.name);
      const current = st?.resource?.current ?? st?.containerResource?.current;
      if (src.target.averageUtilization !== undefined && src.target.averageUtilization !== null) {
        const cur = current?.averageUtilization !== undefined && current?.averageUtilization !== null ? `${current.averageUtilization}%` : '<unknown>';
        return `${src.name}: ${cur}/${src.target.averageUtilization}%`;
      }
      return `${src.name}: ${quantity(current?.averageValue)}/${quantity(src.target.averageValue)}`;
    }
    case 'Pods': return `${quantity(statuses.find((s) => s.type === 'Pods')?.pods?.current.averageValue)}/${quantity(spec.pods?.target.averageValue)}`;
    case 'Object': return `${quantity(statuses.find((s) => s.type === 'Object')?.object?.current.value)}/${quantity(spec.object?.target.value ?? spec.object?.target.averageValue)}`;
    case 'External': return `${quantity(statuses.find((s) => s.type === 'External')?.external?.current.value)}/${quantity(spec.external?.target.value ?? spec.external?.target.averageValue)}`;
    default: return '<unknown>';
  }
}

export const hpaPrinter: Printer = {
  columns: [nameColumn, col('Reference', 'reference to scaled resource'), col('Targets', 'the target metrics and their current values'),
    col('MinPods', 'minReplicas is the lower limit for the number of replicas', { type: 'string' }), col('MaxPods', 'maxReplicas is the upper limit for the number of replicas', { type: 'integer' }),
    col('Replicas', 'current number of replicas of pods managed by this autoscaler', { type: 'integer' }), ageColumn],
  cells(obj, now) {
    // an autoscaling/v1 object is printed as v2 (kube prints its internal type): its other metrics are in annotations
    const hpa = (obj.apiVersion === 'autoscaling/v1' ? hpaFromV1(obj) : obj) as HorizontalPodAutoscaler;
    const ref = hpa.spec?.scaleTargetRef;
    const metrics = (hpa.spec?.metrics ?? []).map((m) => formatMetric(m, hpa.status?.currentMetrics ?? []));
    // formatHPAMetrics joins with ', ' (not ',' as the other lists do)
    const targets = metrics.length === 0 ? '<none>' : metrics.length > 2 ? `${metrics.slice(0, 2).join(', ')} + ${metrics.length - 2} more...` : metrics.join(', ');
    const minPods = hpa.spec?.minReplicas === undefined || hpa.spec?.minReplicas === null ? '<unset>' : String(hpa.spec.minReplicas);
    return [nameOf(hpa), `${ref?.kind ?? ''}/${ref?.name ?? ''}`, targets, minPods, int(hpa.spec?.maxReplicas), int(hpa.status?.currentReplicas), ageOf(hpa, now)];
  },
};
