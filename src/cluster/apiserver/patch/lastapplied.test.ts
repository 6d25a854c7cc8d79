import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../types/meta.ts';
import { isStatusError } from '../../types/status-error.ts';
import { deploymentSpec, patcher, podSpecOf } from './testing.ts';
import { buildLastApplied, goJson, LAST_APPLIED } from './lastapplied.ts';

const t0 = new Date('2025-01-01T00:00:00Z');
const config = (replicas: number, image: string): KObject => ({
  apiVersion: 'apps/v1', kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } } },
});

/** what `kubectl apply` (client-side) leaves: the config with its annotation, owned by the Update manager kubectl-client-side-apply */
function clientSideApplied(c: KObject): KObject {
  const obj = structuredClone(c);
  obj.metadata!.annotations = { [LAST_APPLIED]: buildLastApplied(c) };
  patcher.trackUpdate(deploymentSpec, undefined, obj, 'kubectl-client-side-apply', t0);
  return obj;
}

test('the annotation is Go JSON: sorted keys, HTML escaped, a newline, without itself', () => {
  assert.equal(goJson({ b: 1, a: { d: '<&>', c: [2] } }), '{"a":{"c":[2],"d":"\\u003c\\u0026\\u003e"},"b":1}\n');
  const withOld = { ...config(1, 'x'), metadata: { name: 'web', annotations: { [LAST_APPLIED]: 'old' } } };
  assert.equal(JSON.parse(buildLastApplied(withOld)).metadata.annotations, undefined);
});

test("kubectl's server-side apply takes over the fields the last-applied annotation still describes", () => {
  const live = clientSideApplied(config(2, 'nginx:1'));
  const out = patcher.apply(deploymentSpec, live, config(3, 'nginx:2'), 'kubectl', false, t0);
  assert.equal((out.spec as { replicas: number }).replicas, 3);
  assert.equal(podSpecOf(out).containers[0].image, 'nginx:2');
  const managers = out.metadata!.managedFields!.map((e) => `${e.manager}/${e.operation}`);
  assert.deepEqual(managers, ['kubectl-client-side-apply/Update', 'kubectl/Apply']);
  const csa = JSON.stringify(out.metadata!.managedFields![0].fieldsV1);
  assert.ok(!csa.includes('f:replicas') && !csa.includes('f:image'), `the taken-over fields left the old manager: ${csa}`);
  // the annotation follows what kubectl applied
  assert.equal(out.metadata!.annotations![LAST_APPLIED], buildLastApplied(config(3, 'nginx:2')));

  // any other manager still conflicts, as does kubectl without an annotation
  assert.throws(() => patcher.apply(deploymentSpec, live, config(3, 'nginx:1'), 'other', false, t0), (e) => isStatusError(e, 'Conflict'));
  const bare = structuredClone(live);
  delete bare.metadata!.annotations;
  assert.throws(() => patcher.apply(deploymentSpec, bare, config(3, 'nginx:1'), 'kubectl', false, t0), (e) => isStatusError(e, 'Conflict'));
});

test('a field changed since the last client-side apply stays a conflict with its new manager', () => {
  const live = clientSideApplied(config(2, 'nginx:1'));
  const edited = structuredClone(live);
  podSpecOf(edited).containers[0].image = 'nginx:9';
  patcher.trackUpdate(deploymentSpec, live, edited, 'kubectl-set', t0);
  assert.throws(() => patcher.apply(deploymentSpec, edited, config(3, 'nginx:2'), 'kubectl', false, t0), (e) => {
    assert.ok(isStatusError(e, 'Conflict'));
    assert.equal((e as Error).message, 'Apply failed with 1 conflict: conflict with "kubectl-set" using apps/v1 at 2025-01-01T00:00:00Z: .spec.template.spec.containers[name="web"].image');
    return true;
  });
});
