import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HorizontalPodAutoscaler } from 'kubernetes-types/autoscaling/v2.js';
import type { ControllerContext, EventRecorder } from '../../client/types.ts';
import { createFakeClient, createInformerFactory } from '../../client/index.ts';
import type { KObject } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import type { PodUsage } from '../../metrics/types.ts';
import { waitFor } from '../endpoints/testing.ts';
import { createHorizontalPodAutoscalerController } from './index.ts';

const started = new Date(Date.now() - 600_000).toISOString();

const deployment = (replicas: number): KObject => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' },
  spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
  // the fake's scale subresource reads its selector here
  status: { replicas, selector: 'app=web' },
});

const pod = (name: string): KObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '100m' } } }] },
  status: { phase: 'Running', startTime: started, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: started }] },
});

const hpa = (name: string, kind = 'Deployment'): KObject => ({
  apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name, namespace: 'default', generation: 1 },
  spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind, name: 'web' }, minReplicas: 1, maxReplicas: 10, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] },
});

function harness(objects: KObject[], usage: () => PodUsage[]) {
  const client = createFakeClient(objects);
  const events: string[] = [];
  const recorder: EventRecorder = { event: (o, type, reason, msg) => void events.push(`${o.metadata?.name} ${type} ${reason} ${msg}`) };
  const ctx: ControllerContext = { client, informers: createInformerFactory(client), recorder: () => recorder, now: () => new Date() };
  const ac = new AbortController();
  const metrics = { podUsages: async (ns: string) => usage().filter((u) => u.namespace === ns) };
  const running = createHorizontalPodAutoscalerController(ctx, { metrics, syncPeriodMs: 50 }).run(ac.signal);
  ctx.informers.start(ac.signal);
  const get = async (name: string) => (await client.get(R.horizontalpodautoscalers, 'default', name)) as KObject & HorizontalPodAutoscaler;
  return {
    client, events, get,
    async stop() {
      ac.abort();
      client.closeWatches();
      await running;
    },
  };
}

const busy = (name: string, milli: number): PodUsage => ({
  namespace: 'default', name, timestamp: new Date().toISOString(), windowMs: 15_000, containers: [{ name: 'c', cpuNanoCores: milli * 1e6, memoryBytes: 1 << 20 }],
});

test('a pod at 200 % of its request against 50 %: scaled 1 → 4 through the scale subresource, with kube\'s status, conditions and event', async () => {
  const h = harness([deployment(1), pod('a'), hpa('web')], () => [busy('a', 200)]);
  try {
    await waitFor(async () => ((await h.client.get(R.deployments, 'default', 'web')).spec as { replicas: number }).replicas === 4, 'replicas 4');
    assert.ok(h.client.actions.some((a) => a.verb === 'update' && a.resource === 'deployments' && a.subresource === 'scale'));
    const st = await waitFor(async () => {
      const s = (await h.get('web')).status;
      return s?.lastScaleTime ? s : undefined;
    }, 'status written');
    assert.deepEqual(st.currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 200, averageValue: '200m' } } }]);
    assert.equal(st.desiredReplicas, 4);
    assert.deepEqual(st.conditions?.map((c) => [c.type, c.status, c.reason]), [
      ['AbleToScale', 'True', 'SucceededRescale'], ['ScalingActive', 'True', 'ValidMetricFound'], ['ScalingLimited', 'False', 'DesiredWithinRange'],
    ]);
    assert.ok(h.events.includes('web Normal SuccessfulRescale New size: 4; reason: cpu resource utilization (percentage of request) above target'), h.events.join('\n'));
  } finally {
    await h.stop();
  }
});

test('no metrics, an unknown target kind, two HPAs over one set of pods: kube\'s conditions and warnings, nothing scaled', async () => {
  const h = harness([deployment(2), pod('a'), pod('b'), hpa('web')], () => []);
  try {
    const st = await waitFor(async () => (await h.get('web')).status?.conditions?.find((c) => c.type === 'ScalingActive'), 'ScalingActive');
    assert.equal(st.status, 'False');
    assert.equal(st.reason, 'FailedGetResourceMetric');
    assert.equal(st.message, 'the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API');
    assert.ok(h.events.some((e) => e.startsWith('web Warning FailedComputeMetricsReplicas invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: ')), h.events.join('\n'));

    await h.client.create(R.horizontalpodautoscalers, 'default', hpa('odd', 'Widget'));
    const odd = await waitFor(async () => (await h.get('odd')).status?.conditions?.find((c) => c.type === 'AbleToScale'), 'AbleToScale on odd');
    assert.deepEqual([odd.status, odd.reason, odd.message], ['False', 'FailedGetScale', 'the HPA controller was unable to get the target\'s current scale: no matches for kind "Widget" in group "apps"']);

    await h.client.create(R.horizontalpodautoscalers, 'default', hpa('twin'));
    const amb = await waitFor(async () => (await h.get('twin')).status?.conditions?.find((c) => c.type === 'ScalingActive' && c.reason === 'AmbiguousSelector'), 'AmbiguousSelector');
    assert.equal(amb.message, 'pods by selector app=web are controlled by multiple HPAs: [{twin default} {web default}]');
    assert.equal(((await h.client.get(R.deployments, 'default', 'web')).spec as { replicas: number }).replicas, 2);
  } finally {
    await h.stop();
  }
});
