import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../types/meta.ts';
import { humanDuration, toTable } from './index.ts';

const now = () => new Date('2026-01-01T12:00:00Z');
const ago = (seconds: number) => new Date(now().getTime() - seconds * 1000).toISOString();
const core = (kind: string) => ({ group: '', kind });
const cells = (spec: { group: string; kind: string }, obj: KObject) => toTable(spec, [obj], { now }).rows[0].cells;
const names = (spec: { group: string; kind: string }) => toTable(spec, [], { now }).columnDefinitions.map((c) => `${c.name}${c.priority ? '*' : ''}`);

test('humanDuration formats ages as kubectl prints them', () => {
  const cases: [number, string][] = [[0, '0s'], [59, '59s'], [119, '119s'], [302, '5m2s'], [600, '10m'], [3 * 3600, '3h'], [3 * 3600 + 60 * 5, '3h5m'],
    [10 * 3600, '10h'], [2 * 86400, '2d'], [2 * 86400 + 3600 * 4, '2d4h'], [30 * 86400, '30d'], [3 * 365 * 86400, '3y'], [-5, '<invalid>']];
  for (const [s, want] of cases) assert.equal(humanDuration(s * 1000), want, `${s}s`);
});

const container = { name: 'c', image: 'nginx' };
const pod = (status: object, extra: object = {}): KObject =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', creationTimestamp: ago(302), ...extra }, spec: { containers: [container] }, status });

test('pod columns are kube\'s, with the wide ones at priority 1', () => {
  assert.deepEqual(names(core('Pod')), ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP*', 'Node*', 'Nominated Node*', 'Readiness Gates*']);
});

test('a running ready pod prints 1/1 Running with its IP and node', () => {
  const p = pod({ phase: 'Running', podIP: '10.42.0.5', containerStatuses: [{ name: 'c', ready: true, restartCount: 0, state: { running: {} } }] });
  (p.spec as { nodeName?: string }).nodeName = 'n1';
  assert.deepEqual(cells(core('Pod'), p), ['p', '1/1', 'Running', '0', '5m2s', '10.42.0.5', 'n1', '<none>', '<none>']);
});

test('pod STATUS follows the container reasons: ContainerCreating, CrashLoopBackOff with restarts ago, Completed, Init', () => {
  assert.equal(cells(core('Pod'), pod({ phase: 'Pending', containerStatuses: [{ name: 'c', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] }))[2], 'ContainerCreating');
  const crash = cells(core('Pod'), pod({ phase: 'Running', containerStatuses: [{ name: 'c', ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, finishedAt: ago(120) } } }] }));
  assert.deepEqual(crash.slice(1, 4), ['0/1', 'CrashLoopBackOff', '3 (2m ago)']);
  assert.equal(cells(core('Pod'), pod({ phase: 'Succeeded', containerStatuses: [{ name: 'c', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] }))[2], 'Completed');
  const init = pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }] });
  (init.spec as { initContainers?: object[] }).initContainers = [{ name: 'i', image: 'busybox' }];
  assert.equal(cells(core('Pod'), init)[2], 'Init:0/1');
  assert.equal(cells(core('Pod'), pod({ phase: 'Pending' }))[2], 'Pending');
});

test('a pod being deleted prints Terminating, and a finished pod carries the Completed row condition', () => {
  assert.equal(cells(core('Pod'), pod({ phase: 'Running' }, { deletionTimestamp: ago(1) }))[2], 'Terminating');
  const done = toTable(core('Pod'), [pod({ phase: 'Succeeded' })], { now }).rows[0];
  assert.deepEqual(done.conditions?.map((c) => [c.type, c.reason]), [['Completed', 'Succeeded']]);
});

test('deployments print READY x/y, UP-TO-DATE, AVAILABLE and the wide containers, images, selector', () => {
  assert.deepEqual(names({ group: 'apps', kind: 'Deployment' }), ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers*', 'Images*', 'Selector*']);
  const d = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', creationTimestamp: ago(3 * 3600) },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web', tier: 'fe' } }, template: { spec: { containers: [{ name: 'a', image: 'nginx:1' }, { name: 'b', image: 'envoy' }] } } },
    status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 } };
  assert.deepEqual(cells({ group: 'apps', kind: 'Deployment' }, d), ['web', '2/3', 3, 2, '3h', 'a,b', 'nginx:1,envoy', 'app=web,tier=fe']);
});

test('replicasets print DESIRED CURRENT READY', () => {
  const rs = { metadata: { name: 'web-1', creationTimestamp: ago(10) }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { spec: { containers: [container] } } }, status: { replicas: 3, readyReplicas: 1 } };
  assert.deepEqual(cells({ group: 'apps', kind: 'ReplicaSet' }, rs), ['web-1', 3, 3, 1, '10s', 'c', 'nginx', 'app=web']);
});

test('services print TYPE, CLUSTER-IP, EXTERNAL-IP and PORT(S) with node ports', () => {
  const svc = { metadata: { name: 'web', creationTimestamp: ago(5) }, spec: { type: 'NodePort', clusterIP: '10.43.0.10', clusterIPs: ['10.43.0.10'], selector: { app: 'web' },
    ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] } };
  assert.deepEqual(cells(core('Service'), svc), ['web', 'NodePort', '10.43.0.10', '<none>', '80:30080/TCP,53/UDP', '5s', 'app=web']);
  const lb = { metadata: { name: 'lb' }, spec: { type: 'LoadBalancer', clusterIPs: ['10.43.0.11'], ports: [{ port: 443, protocol: 'TCP' }] } };
  assert.equal(cells(core('Service'), lb)[3], '<pending>');
});

test('endpoints list at most three addresses and count the rest', () => {
  const ep = { metadata: { name: 'web' }, subsets: [{ addresses: ['10.42.0.5', '10.42.0.6', '10.42.0.7', '10.42.0.8'].map((ip) => ({ ip })), ports: [{ port: 80 }] }] };
  assert.equal(cells(core('Endpoints'), ep)[1], '10.42.0.5:80,10.42.0.6:80,10.42.0.7:80 + 1 more...');
  assert.equal(cells(core('Endpoints'), { metadata: { name: 'none' } })[1], '<none>');
});

test('nodes print Ready/NotReady, SchedulingDisabled, roles from labels and the wide system info', () => {
  const node = { metadata: { name: 'n1', creationTimestamp: ago(2 * 86400), labels: { 'node-role.kubernetes.io/control-plane': '' } },
    spec: { unschedulable: true }, status: { conditions: [{ type: 'Ready', status: 'False' }], addresses: [{ type: 'InternalIP', address: '10.0.0.1' }], nodeInfo: { kubeletVersion: 'v1.32.0-skiff', osImage: 'Debian', kernelVersion: '6.1', containerRuntimeVersion: 'skiff://0.1' } } };
  assert.deepEqual(cells(core('Node'), node), ['n1', 'NotReady,SchedulingDisabled', 'control-plane', '2d', 'v1.32.0-skiff', '10.0.0.1', '<none>', 'Debian', '6.1', 'skiff://0.1']);
});

test('events print LAST SEEN, TYPE, REASON, OBJECT, MESSAGE (and the wide ones), for both Event groups', () => {
  assert.deepEqual(names(core('Event')), ['Last Seen', 'Type', 'Reason', 'Object', 'Subobject*', 'Source*', 'Message', 'First Seen*', 'Count*', 'Name*']);
  const ev = { apiVersion: 'v1', kind: 'Event', metadata: { name: 'web.1' }, type: 'Normal', reason: 'ScalingReplicaSet', message: 'Scaled up replica set web-1 to 3 ',
    involvedObject: { kind: 'Deployment', name: 'web' }, source: { component: 'deployment-controller' }, firstTimestamp: ago(600), lastTimestamp: ago(60), count: 2 };
  assert.deepEqual(cells(core('Event'), ev), ['60s', 'Normal', 'ScalingReplicaSet', 'deployment/web', '', 'deployment-controller', 'Scaled up replica set web-1 to 3', '10m', 2, 'web.1']);
  const ev2 = { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'x' }, type: 'Warning', reason: 'FailedScheduling', note: 'no nodes', regarding: { kind: 'Pod', name: 'p' }, reportingController: 'scheduler', eventTime: ago(30) };
  assert.deepEqual(cells({ group: 'events.k8s.io', kind: 'Event' }, ev2).slice(0, 9), ['30s', 'Warning', 'FailedScheduling', 'pod/p', '', 'scheduler', 'no nodes', '30s', 1]);
});

test('jobs, cronjobs, configmaps, secrets, namespaces print their kube columns', () => {
  const job = { metadata: { name: 'j' }, spec: { completions: 1, template: { spec: { containers: [container] } }, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u' } } },
    status: { succeeded: 1, startTime: ago(100), completionTime: ago(40), conditions: [{ type: 'Complete', status: 'True' }] } };
  assert.deepEqual(cells({ group: 'batch', kind: 'Job' }, job).slice(0, 4), ['j', 'Complete', '1/1', '60s']);
  const cj = { metadata: { name: 'cj' }, spec: { schedule: '*/5 * * * *', suspend: false, jobTemplate: { spec: { template: { spec: { containers: [container] } } } } }, status: {} };
  assert.deepEqual(cells({ group: 'batch', kind: 'CronJob' }, cj).slice(0, 6), ['cj', '*/5 * * * *', '<none>', 'False', 0, '<none>']);
  assert.deepEqual(cells(core('ConfigMap'), { metadata: { name: 'c' }, data: { a: '1', b: '2' } }).slice(0, 2), ['c', 2]);
  assert.deepEqual(cells(core('Secret'), { metadata: { name: 's' }, type: 'Opaque', data: { a: 'MQ==' } }).slice(0, 3), ['s', 'Opaque', 1]);
  assert.deepEqual(cells(core('Namespace'), { metadata: { name: 'default' }, status: { phase: 'Active' } }).slice(0, 2), ['default', 'Active']);
});

test('kinds without a printer get NAME and AGE', () => {
  assert.deepEqual(names({ group: 'example.com', kind: 'Widget' }), ['Name', 'Age']);
});

test('rows carry PartialObjectMetadata by default, the object with Object, nothing with None; noHeaders drops columns', () => {
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', resourceVersion: '7', labels: { a: 'b' } }, data: {} };
  const meta = toTable(core('ConfigMap'), [cm], { now }).rows[0].object;
  assert.deepEqual(meta, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: cm.metadata });
  assert.equal(toTable(core('ConfigMap'), [cm], { now, includeObject: 'Object' }).rows[0].object, cm);
  assert.equal(toTable(core('ConfigMap'), [cm], { now, includeObject: 'None' }).rows[0].object, undefined);
  const t = toTable(core('ConfigMap'), [cm], { now, noHeaders: true, listMeta: { resourceVersion: '9' } });
  assert.deepEqual([t.kind, t.apiVersion, t.columnDefinitions.length, t.metadata.resourceVersion], ['Table', 'meta.k8s.io/v1', 0, '9']);
});
