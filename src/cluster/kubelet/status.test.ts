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

test('computePodStatus: readiness gates hold Ready back with Kubernetes\' messages; conditions others wrote stay', () => {
  const cri: CriContainerStatus = {
    id: 'c1', metadata: { name: 'web', attempt: 0 }, state: 'CONTAINER_RUNNING', createdAt: 1e18, startedAt: 1e18, finishedAt: 0, exitCode: 0,
    image: { image: 'busybox' }, imageRef: 'sha256:x', reason: '', message: '', labels: {}, annotations: {}, mounts: [], logPath: '',
  };
  const obs = { sandbox: { id: 's', ready: true, ip: '10.1.0.2' }, containers: new Map([['web', [cri]]]) };
  const view = { waiting: new Map(), ready: new Map(), started: new Map() };
  const now = new Date('2026-01-01T00:00:00Z');
  const gated = (conditions: Array<{ type: string; status: string }>): Pod => ({
    metadata: { name: 'p', namespace: 'd' },
    spec: { readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }], containers: [{ name: 'web', image: 'busybox' }] },
    status: { conditions: conditions.map((c) => ({ ...c, lastTransitionTime: '2020-01-01T00:00:00Z' })) },
  });
  const cond = (p: Pod, type: string) => computePodStatus({ pod: p, observed: obs, view, hostIP: '10.0.0.1', now }).conditions!.find((c) => c.type === type);

  const none = gated([]);
  assert.equal(cond(none, 'ContainersReady')!.status, 'True');
  assert.deepEqual([cond(none, 'Ready')!.status, cond(none, 'Ready')!.reason, cond(none, 'Ready')!.message], ['False', 'ReadinessGatesNotReady',
    'corresponding condition of pod readiness gate "example.com/lb" does not exist., corresponding condition of pod readiness gate "example.com/dns" does not exist.']);
  const half = gated([{ type: 'example.com/lb', status: 'True' }, { type: 'example.com/dns', status: 'False' }]);
  assert.equal(cond(half, 'Ready')!.message, 'the status of pod readiness gate "example.com/dns" is not "True", but False');
  const open = gated([{ type: 'example.com/lb', status: 'True' }, { type: 'example.com/dns', status: 'True' }, { type: 'DisruptionTarget', status: 'False' }, { type: 'PodScheduled', status: 'True' }]);
  const st = computePodStatus({ pod: open, observed: obs, view, hostIP: '10.0.0.1', now });
  assert.equal(st.conditions!.find((c) => c.type === 'Ready')!.status, 'True');
  assert.deepEqual(st.conditions!.map((c) => c.type).sort(), ['ContainersReady', 'DisruptionTarget', 'Initialized', 'PodReadyToStartContainers', 'PodScheduled', 'Ready', 'example.com/dns', 'example.com/lb']);
  assert.equal(st.conditions!.filter((c) => c.type === 'Ready').length, 1);
});
