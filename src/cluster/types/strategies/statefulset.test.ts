import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../meta.ts';
import { formatFieldError } from '../status-error.ts';
import { strategyFor } from './index.ts';

const sts = (spec: Record<string, unknown> = {}): KObject => {
  const o: KObject = {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox', volumeMounts: [{ name: 'www', mountPath: '/data' }] }] } },
      volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      ...spec,
    },
  };
  strategyFor('apps', 'StatefulSet').defaults(o);
  return o;
};
const messages = (o: KObject) => strategyFor('apps', 'StatefulSet').validate(o).map(formatFieldError);

test('a volume mount may name a claim template; an unknown name is still refused', () => {
  const o = sts();
  assert.deepEqual(messages(o), []);
  assert.deepEqual((o.spec as any).updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  assert.equal((o.spec as any).podManagementPolicy, 'OrderedReady');
  assert.deepEqual((o.spec as any).persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
  const bad = sts({ volumeClaimTemplates: [] });
  assert.deepEqual(messages(bad), ['spec.template.spec.containers[0].volumeMounts[0].name: Invalid value: "www": not found']);
});

test('kube\'s words for a bad policy, strategy, retention policy and ordinals', () => {
  assert.deepEqual(messages(sts({ podManagementPolicy: 'Burst' })), ['spec.podManagementPolicy: Invalid value: "Burst": must be \'OrderedReady\' or \'Parallel\'']);
  assert.match(messages(sts({ updateStrategy: { type: 'Sometimes' } }))[0], /^spec\.updateStrategy: Invalid value: .*: must be 'RollingUpdate' or 'OnDelete'$/);
  assert.deepEqual(messages(sts({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Keep', whenScaled: 'Retain' } })),
    ['spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep": supported values: "Retain", "Delete"']);
  assert.deepEqual(messages(sts({ ordinals: { start: -1 } })), ['spec.ordinals.start: Invalid value: -1: must be greater than or equal to 0']);
});

test('claim templates cannot change on update', () => {
  const old = sts();
  const next = sts({ volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } } }] });
  next.metadata = { ...next.metadata, resourceVersion: '1' };
  old.metadata = { ...old.metadata, resourceVersion: '1' };
  assert.deepEqual(strategyFor('apps', 'StatefulSet').validateUpdate(next, old).map(formatFieldError),
    ['spec: Forbidden: updates to statefulset spec for fields other than \'replicas\', \'ordinals\', \'template\', \'updateStrategy\', \'persistentVolumeClaimRetentionPolicy\' and \'minReadySeconds\' are forbidden']);
});
