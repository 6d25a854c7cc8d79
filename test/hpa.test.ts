// Must-show 3 of issue 14: `kubectl autoscale deploy web --min 1 --max 5 --cpu-percent 50` against a real
// `skiff server` and an in-process `skiff agent`: a busy loop in the pod (switched on and off by a file, through
// kubectl exec) scales the Deployment up; when it stops, the HPA scales it back down. The server syncs HPAs every
// 3 s (--horizontal-pod-autoscaler-sync-period, kube's flag) and the test shortens the scale-down window through
// spec.behavior with kubectl patch, so the whole round stays within a couple of minutes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, type ControlPlane } from './cluster-harness.ts';
import { waitFor } from './harness.ts';
import { startNode, loadBusybox, type TestNode } from './kubelet-harness.ts';

let cp: ControlPlane;
let node: TestNode;
const IMAGE = 'busybox:hpa-test';

async function kubectlOk(args: string[], input?: string): Promise<string> {
  const r = await cp.kubectl(args, { input });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const replicasOf = async () => (await cp.kjson(['get', 'deploy', 'web'])).spec.replicas as number;

before(async () => {
  cp = await startControlPlane({ args: ['--horizontal-pod-autoscaler-sync-period', '3s'] });
  node = await startNode(cp.kubeconfig);
  await loadBusybox(node, IMAGE);
  await waitFor('the node Ready', async () => {
    const n = await cp.kjson(['get', 'node', node.name]).catch(() => undefined);
    return n?.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
  }, 60_000, 200);
});

after(async () => {
  await cp?.kubectl(['delete', 'hpa,deploy', '--all', '--wait=true', '--timeout=60s'], { timeoutMs: 90_000 }).catch(() => undefined);
  await cp?.kubectl(['delete', 'pods', '--all', '--wait=true', '--timeout=60s'], { timeoutMs: 90_000 }).catch(() => undefined);
  await node?.cleanup();
  await cp?.cleanup();
});

test('kubectl autoscale: a busy loop scales the Deployment up, and back down once it stops', { timeout: 420_000 }, async () => {
  // each pod asks for 100m and may use 300m: the loop runs at ~300 % of its request against a 50 % target
  await kubectlOk(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
    spec: {
      replicas: 1, selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{
            name: 'web', image: IMAGE, imagePullPolicy: 'IfNotPresent',
            command: ['sh', '-c', 'while :; do if [ -e /tmp/load ]; then :; else sleep 1; fi; done'],
            resources: { requests: { cpu: '100m' }, limits: { cpu: '300m' } },
          }],
        },
      },
    },
  }));
  const first = await waitFor('web Running', async () => {
    const pods = (await cp.kjson(['get', 'pods', '-l', 'app=web'])).items as Array<{ metadata: { name: string }; status: { phase?: string } }>;
    return pods.find((p) => p.status.phase === 'Running')?.metadata.name;
  }, 90_000, 500);

  const out = await kubectlOk(['autoscale', 'deploy', 'web', '--min', '1', '--max', '5', '--cpu-percent', '50']);
  assert.equal(out.trim(), 'horizontalpodautoscaler.autoscaling/web autoscaled');
  // autoscaling/v1 reads what v2 stores: the cpu target in its own field
  const v1 = await cp.kjson(['get', 'horizontalpodautoscalers.v1.autoscaling', 'web']);
  assert.equal(v1.apiVersion, 'autoscaling/v1');
  assert.deepEqual(v1.spec, { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 50 });
  // a short scale-down window through v2's behavior (kube's default is 300 s)
  await kubectlOk(['patch', 'horizontalpodautoscalers.v2.autoscaling', 'web', '--type=merge', '-p', JSON.stringify({ spec: { behavior: { scaleDown: { stabilizationWindowSeconds: 10 } } } })]);
  const v2 = await cp.kjson(['get', 'horizontalpodautoscalers.v2.autoscaling', 'web']);
  assert.deepEqual(v2.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }]);
  assert.deepEqual(v2.spec.behavior.scaleUp, { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] }, 'kube\'s scale-up defaults');

  // idle: measured (a few % at most), nothing to do
  await waitFor('the HPA measures the idle pod', async () => {
    const h = await cp.kjson(['get', 'hpa', 'web']);
    const cpu = h.status?.currentMetrics?.[0]?.resource?.current?.averageUtilization;
    return typeof cpu === 'number' && cpu < 45 && h.status.conditions?.some((c: { type: string; status: string }) => c.type === 'ScalingActive' && c.status === 'True');
  }, 90_000, 1_000);
  assert.equal(await replicasOf(), 1);

  await kubectlOk(['exec', first, '--', 'touch', '/tmp/load']);
  const up = await waitFor('the Deployment scaled up', async () => {
    const n = await replicasOf();
    return n > 1 ? n : undefined;
  }, 120_000, 1_000);
  assert.ok(up <= 5, `never past maxReplicas: ${up}`);
  const table = await kubectlOk(['get', 'hpa', 'web']);
  const [head, row] = table.trim().split('\n');
  assert.match(head, /^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE$/);
  assert.match(row, /^web\s+Deployment\/web\s+cpu: \d+%\/50%\s+1\s+5\s+\d+\s+\d+s$/);
  const hpa = await cp.kjson(['get', 'hpa', 'web']);
  assert.ok(hpa.status.currentMetrics[0].resource.current.averageUtilization > 50, JSON.stringify(hpa.status.currentMetrics));
  assert.ok(hpa.status.lastScaleTime);
  const v1Status = (await cp.kjson(['get', 'horizontalpodautoscalers.v1.autoscaling', 'web'])).status;
  assert.equal(v1Status.currentCPUUtilizationPercentage, hpa.status.currentMetrics[0].resource.current.averageUtilization, 'v1 shows the cpu figure in its own field');

  await kubectlOk(['exec', first, '--', 'rm', '/tmp/load']);
  await waitFor('the Deployment scaled back to 1', async () => (await replicasOf()) === 1, 150_000, 1_000);

  const events = (await cp.kjson(['get', 'events', '--field-selector', 'involvedObject.kind=HorizontalPodAutoscaler,reason=SuccessfulRescale'])).items as Array<{ message: string; source: { component: string } }>;
  const messages = events.map((e) => e.message);
  assert.ok(messages.some((m) => /^New size: [2-5]; reason: cpu resource utilization \(percentage of request\) above target$/.test(m)), messages.join('\n'));
  assert.ok(messages.includes('New size: 1; reason: All metrics below target'), messages.join('\n'));
  assert.equal(events[0].source.component, 'horizontal-pod-autoscaler');
  const conditions = (await cp.kjson(['get', 'hpa', 'web'])).status.conditions as Array<{ type: string }>;
  assert.deepEqual(conditions.map((c) => c.type), ['AbleToScale', 'ScalingActive', 'ScalingLimited']);
});
