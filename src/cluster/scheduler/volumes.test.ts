import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { makeNode, makePod } from './testing.ts';
import { podVolumes, volumesFitNode, volumeReasons, type VolumeListers } from './volumes.ts';
import { findVolumeFor } from './volume-match.ts';

const claim = (name: string, spec: Partial<PersistentVolumeClaim['spec']> = {}, annotations?: Record<string, string>): PersistentVolumeClaim => ({
  metadata: { name, namespace: 'default', uid: `uid-${name}`, annotations },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
});
const volume = (name: string, size: string, o: { cls?: string; node?: string; modes?: string[]; claimRef?: { name: string; namespace: string; uid?: string } } = {}): PersistentVolume => ({
  metadata: { name },
  spec: {
    capacity: { storage: size }, accessModes: o.modes ?? ['ReadWriteOnce'], storageClassName: o.cls ?? '', hostPath: { path: `/v/${name}` }, claimRef: o.claimRef,
    nodeAffinity: o.node ? { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [o.node] }] }] } } : undefined,
  },
  status: { phase: o.claimRef ? 'Bound' : 'Available' },
});
const sc = (name: string, provisioner: string, mode = 'WaitForFirstConsumer'): StorageClass => ({ metadata: { name }, provisioner, volumeBindingMode: mode });

function listers(claims: PersistentVolumeClaim[], volumes: PersistentVolume[], classes: StorageClass[]): VolumeListers {
  return {
    claim: (ns, n) => claims.find((c) => c.metadata?.namespace === ns && c.metadata?.name === n),
    volume: (n) => volumes.find((v) => v.metadata?.name === n), volumes: () => volumes,
    storageClass: (n) => classes.find((c) => c.metadata?.name === n),
  };
}
const podWith = (...claims: string[]) => makePod('p', { spec: { volumes: claims.map((c) => ({ name: c, persistentVolumeClaim: { claimName: c } })) } });

test('the smallest Available volume that fits wins; a volume pre-bound to the claim wins over all', () => {
  const c = claim('data', { storageClassName: 'manual' });
  const vols = [volume('big', '10Gi', { cls: 'manual' }), volume('small', '1Gi', { cls: 'manual' }), volume('tiny', '512Mi', { cls: 'manual' }), volume('rwx', '1Gi', { cls: 'manual', modes: ['ReadWriteMany'] }), volume('other', '1Gi', { cls: 'fast' })];
  assert.equal(findVolumeFor(c, vols, undefined, false)?.metadata?.name, 'small');
  const pre = volume('pre', '5Gi', { cls: 'manual', claimRef: { name: 'data', namespace: 'default' } });
  assert.equal(findVolumeFor(c, [...vols, pre], undefined, false)?.metadata?.name, 'pre');
  const taken = volume('taken', '1Gi', { cls: 'manual', claimRef: { name: 'else', namespace: 'default', uid: 'x' } });
  assert.equal(findVolumeFor(c, [taken], undefined, false), undefined);
  const onNode = volume('local', '1Gi', { cls: 'manual', node: 'n1' });
  assert.equal(findVolumeFor(c, [onNode], makeNode('n2'), true), undefined, 'a delayed claim only takes volumes on its node');
  assert.equal(findVolumeFor(c, [onNode], makeNode('n1'), true)?.metadata?.name, 'local');
});

test('VolumeBinding refuses missing and unbound immediate claims, and filters by the bound volume\'s node', () => {
  const classes = [sc('local-path', 'rancher.io/local-path'), sc('instant', 'example.com/x', 'Immediate'), sc('manual', 'kubernetes.io/no-provisioner')];
  const bound = claim('bound', { volumeName: 'pv-n1' });
  const l = listers([bound, claim('wait', { storageClassName: 'local-path' }), claim('now', { storageClassName: 'instant' }), claim('static', { storageClassName: 'manual' })],
    [volume('pv-n1', '1Gi', { node: 'n1', claimRef: { name: 'bound', namespace: 'default', uid: 'uid-bound' } }), volume('static-n2', '1Gi', { cls: 'manual', node: 'n2' })], classes);
  assert.deepEqual(podVolumes(podWith('missing'), l), { refused: 'persistentvolumeclaim "missing" not found' });
  assert.deepEqual(podVolumes(podWith('now'), l), { refused: volumeReasons.unboundImmediate });
  assert.equal(podVolumes(makePod('none'), l), undefined, 'a pod without claims costs nothing');
  const v = podVolumes(podWith('bound', 'wait'), l);
  assert.ok(v && v.refused === undefined);
  assert.equal(v.delayed.length, 1);
  assert.equal(volumesFitNode(v, makeNode('n1'), l), undefined);
  assert.equal(volumesFitNode(v, makeNode('n2'), l), volumeReasons.nodeConflict);
  const s = podVolumes(podWith('static'), l);
  assert.ok(s && s.refused === undefined);
  assert.equal(volumesFitNode(s, makeNode('n1'), l), volumeReasons.noVolume, 'no provisioner and no static volume on n1');
  assert.equal(volumesFitNode(s, makeNode('n2'), l), undefined);
});
