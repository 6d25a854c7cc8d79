import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFakeClient } from '../client/index.ts';
import { R } from '../types/gvr.ts';
import type { KObject } from '../types/meta.ts';
import { reconcileBootstrapPolicy } from './reconcile.ts';
import { AUTOUPDATE_ANNOTATION, bootstrapClusterRoleBindings, bootstrapClusterRoles } from './policy.ts';
import type { ClusterRole, ClusterRoleBinding } from './types.ts';

test('the bootstrap policy: made when missing, missing rules and subjects put back, autoupdate "false" left alone, idempotent', async () => {
  const client = createFakeClient();
  await reconcileBootstrapPolicy(client);
  assert.equal(client.objects(R.clusterroles).length, bootstrapClusterRoles.length);
  assert.equal(client.objects(R.clusterrolebindings).length, bootstrapClusterRoleBindings.length);

  const get = async <T>(r: typeof R.clusterroles, name: string) => (await client.get(r, undefined, name)) as unknown as T;
  // someone trims system:node, empties skiff:nodes, and takes view over
  const node = await get<ClusterRole>(R.clusterroles, 'system:node');
  await client.update(R.clusterroles, undefined, { ...node, rules: node.rules!.slice(0, 2), metadata: { ...node.metadata, labels: {} } } as unknown as KObject);
  const nodes = await get<ClusterRoleBinding>(R.clusterrolebindings, 'skiff:nodes');
  await client.update(R.clusterrolebindings, undefined, { ...nodes, subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'extra' }] } as unknown as KObject);
  const view = await get<ClusterRole>(R.clusterroles, 'view');
  await client.update(R.clusterroles, undefined, { ...view, aggregationRule: undefined, rules: [], metadata: { ...view.metadata, annotations: { [AUTOUPDATE_ANNOTATION]: 'false' } } } as unknown as KObject);

  await reconcileBootstrapPolicy(client);
  const fixed = await get<ClusterRole>(R.clusterroles, 'system:node');
  assert.equal(fixed.rules!.length, bootstrapClusterRoles.find((r) => r.metadata?.name === 'system:node')!.rules!.length);
  assert.equal(fixed.metadata?.labels?.['kubernetes.io/bootstrapping'], 'rbac-defaults');
  const subjects = (await get<ClusterRoleBinding>(R.clusterrolebindings, 'skiff:nodes')).subjects!.map((s) => s.name);
  assert.deepEqual(subjects, ['extra', 'system:nodes', 'system:bootstrappers:skiff:default-node-token'], 'what was added stays');
  assert.equal((await get<ClusterRole>(R.clusterroles, 'view')).aggregationRule, undefined, 'autoupdate=false: not touched');

  client.clearActions();
  await reconcileBootstrapPolicy(client);
  assert.deepEqual(client.actions.filter((a) => a.verb !== 'get'), [], 'nothing to write the second time');
});
