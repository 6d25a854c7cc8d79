import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerStatus, Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerStatus as CriContainerStatus } from '../../engine/types/runtime.ts';
import { computePodStatus, podPhase } from './status.ts';

const running: ContainerStatus = { name: 'a', image: 'i', imageID: '', ready: true, restartCount: 0, state: { running: {} } };
const exited = (code: number): ContainerStatus => ({ name: 'a', image: 'i', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: code } } });
const waitingAfter = (code: number): ContainerStatus => ({ name: 'a', image: 'i', imageID: '', ready: false, restartCount: 1, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: code } } });
const creating: ContainerStatus = { name: 'a', image: 'i', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } };
const pod = (restartPolicy: string): Pod => ({ spec: { restartPolicy, containers: [] } });

test("podPhase follows Kubernetes' getPhase", () => {
  assert.equal(podPhase(pod('Always'), [], [creating]), 'Pending');
  assert.equal(podPhase(pod('Always'), [], [running, creating]), 'Pending', 'a container never started keeps it Pending');
  assert.equal(podPhase(pod('Always'), [], [running, waitingAfter(1)]), 'Running');
  assert.equal(podPhase(pod('Always'), [], [exited(0)]), 'Running', 'Always restarts even a success');
  assert.equal(podPhase(pod('OnFailure'), [], [exited(0)]), 'Succeeded');
  assert.equal(podPhase(pod('OnFailure'), [], [exited(2)]), 'Running');
  assert.equal(podPhase(pod('Never'), [], [exited(2), exited(0)]), 'Failed');
  assert.equal(podPhase(pod('Never'), [exited(1)], [creating]), 'Failed', 'a failed init container with Never');
  assert.equal(podPhase(pod('Always'), [waitingAfter(1)], [creating]), 'Pending', 'init retried');
});

test('computePodStatus: conditions, ready from probes, waiting reasons over exited containers, transition times kept', () => {
  const cri = (id: string, state: CriContainerStatus['state'], exitCode = 0): CriContainerStatus => ({
    id, metadata: { name: 'web', attempt: 0 }, state, createdAt: 1e18, startedAt: 1e18, finishedAt: state === 'CONTAINER_EXITED' ? 1.0001e18 : 0, exitCode,
    image: { image: 'busybox' }, imageRef: 'sha256:x', reason: '', message: '', labels: {}, annotations: { 'io.kubernetes.container.restartCount': '3' }, mounts: [], logPath: '',
  });
  const p: Pod = { metadata: { name: 'p', namespace: 'd' }, spec: { containers: [{ name: 'web', image: 'busybox', readinessProbe: { exec: { command: ['true'] } } }] },
    status: { conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2020-01-01T00:00:00Z' }, { type: 'Ready', status: 'False', lastTransitionTime: '2020-01-01T00:00:01Z' }] } };
  const now = new Date('2026-01-01T00:00:00Z');
  const obs = { sandbox: { id: 's', ready: true, ip: '10.1.0.2' }, containers: new Map([['web', [cri('c2', 'CONTAINER_RUNNING'), cri('c1', 'CONTAINER_EXITED', 1)]]]) };
  const notYet = computePodStatus({ pod: p, observed: obs, view: { waiting: new Map(), ready: new Map(), started: new Map() }, hostIP: '10.0.0.1', now });
  assert.equal(notYet.containerStatuses![0].ready, false, 'no readiness result yet');
  assert.equal(notYet.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime, '2020-01-01T00:00:01Z', 'unchanged status keeps its time');
  assert.equal(notYet.conditions!.find((c) => c.type === 'PodScheduled')!.status, 'True', "the scheduler's condition stays");
  const ready = computePodStatus({ pod: p, observed: obs, view: { waiting: new Map(), ready: new Map([['c2', true]]), started: new Map() }, hostIP: '10.0.0.1', now });
  const cs = ready.containerStatuses![0];
  assert.equal(cs.ready, true);
  assert.equal(cs.restartCount, 3);
  assert.equal(cs.containerID, 'skiff://c2');
  assert.equal(cs.lastState!.terminated!.exitCode, 1);
  assert.equal(ready.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime, '2026-01-01T00:00:00Z');
  assert.deepEqual(ready.podIPs, [{ ip: '10.1.0.2' }]);
  assert.equal(ready.qosClass, 'BestEffort');
  const crashed = { ...obs, containers: new Map([['web', [cri('c2', 'CONTAINER_EXITED', 2)]]]) };
  const back = computePodStatus({ pod: p, observed: crashed, view: { waiting: new Map([['web', { reason: 'CrashLoopBackOff', message: 'back-off 10s' }]]), ready: new Map(), started: new Map() }, hostIP: '10.0.0.1', now });
  assert.deepEqual(back.containerStatuses![0].state, { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } });
  assert.equal(back.containerStatuses![0].lastState!.terminated!.exitCode, 2);
  assert.equal(back.phase, 'Running');
});
