import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregatedRules } from './index.ts';
import { bootstrapClusterRoles } from '../../rbac/policy.ts';
import type { ClusterRole } from '../../rbac/types.ts';

test('an aggregated role gets the rules of the roles its selectors match, by name, each once', () => {
  const sel = { clusterRoleSelectors: [{ matchLabels: { pick: 'yes' } }] };
  const rule = (r: string) => ({ verbs: ['get'], apiGroups: [''], resources: [r] });
  const roles: ClusterRole[] = [
    { metadata: { name: 'agg', labels: { pick: 'yes' } }, aggregationRule: sel, rules: [rule('self')] },
    { metadata: { name: 'b', labels: { pick: 'yes' } }, rules: [rule('b'), rule('a')] },
    { metadata: { name: 'a', labels: { pick: 'yes' } }, rules: [rule('a')] },
    { metadata: { name: 'c', labels: { pick: 'no' } }, rules: [rule('c')] },
  ];
  assert.deepEqual(aggregatedRules(roles[0], roles), [rule('a'), rule('b')]);
});

test('view and edit from the bootstrap policy: edit carries view\'s rules once view is aggregated', () => {
  const roles = structuredClone(bootstrapClusterRoles);
  const view = roles.find((r) => r.metadata?.name === 'view')!;
  const edit = roles.find((r) => r.metadata?.name === 'edit')!;
  view.rules = aggregatedRules(view, roles);
  edit.rules = aggregatedRules(edit, roles);
  assert.ok(view.rules.some((r) => r.resources?.includes('pods') && r.verbs.includes('list')));
  assert.ok(!view.rules.some((r) => r.resources?.includes('secrets')), 'view never reads Secrets');
  assert.ok(edit.rules.some((r) => r.resources?.includes('secrets') && r.verbs.includes('create')));
  assert.ok(edit.rules.some((r) => r.resources?.includes('pods') && r.verbs.includes('list')));
});
