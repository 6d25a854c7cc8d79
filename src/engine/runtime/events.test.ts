import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEventBus } from '../events/index.ts';
import { runtimeEvents } from './events.ts';
import type { ContainerEvent } from '../types/runtime.ts';

test('engine container events become CRI container events; other containers and actions are left out', () => {
  const bus = createEventBus();
  const seen: ContainerEvent[] = [];
  const stop = runtimeEvents(bus).containerEvents((e) => seen.push(e));
  const pod = { 'io.skiff.cri.label.io.kubernetes.pod.uid': 'u1', name: 'k8s_c_p_ns_u1_0', image: 'busybox' };
  bus.emit('container', 'create', { id: 'sb1', attributes: { ...pod, 'io.skiff.cri.kind': 'sandbox' } });
  bus.emit('container', 'start', { id: 'c1', attributes: { ...pod, 'io.skiff.cri.kind': 'container', 'io.skiff.cri.sandbox-id': 'sb1' } });
  bus.emit('container', 'exec_create', { id: 'c1', attributes: { ...pod, 'io.skiff.cri.kind': 'container' } });
  bus.emit('container', 'die', { id: 'c1', attributes: { ...pod, 'io.skiff.cri.kind': 'container', 'io.skiff.cri.sandbox-id': 'sb1', exitCode: '3' } });
  bus.emit('container', 'die', { id: 'web', attributes: { name: 'web', image: 'busybox' } }); // docker run on the node
  bus.emit('network', 'destroy', { id: 'n1', attributes: { 'io.skiff.cri.kind': 'sandbox' } });
  bus.emit('container', 'destroy', { id: 'sb1', attributes: { ...pod, 'io.skiff.cri.kind': 'sandbox' } });
  stop();
  bus.emit('container', 'die', { id: 'c1', attributes: { ...pod, 'io.skiff.cri.kind': 'container' } });
  assert.deepEqual(seen.map((e) => [e.type, e.containerId, e.podSandboxId, e.labels['io.kubernetes.pod.uid']]), [
    ['CONTAINER_CREATED_EVENT', 'sb1', 'sb1', 'u1'],
    ['CONTAINER_STARTED_EVENT', 'c1', 'sb1', 'u1'],
    ['CONTAINER_STOPPED_EVENT', 'c1', 'sb1', 'u1'],
    ['CONTAINER_DELETED_EVENT', 'sb1', 'sb1', 'u1'],
  ]);
  assert.ok(seen.every((e) => e.createdAt > 0 && !('name' in e.labels)), 'unix ns; CRI labels only');
});
