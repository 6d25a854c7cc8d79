// Test fixtures for the scheduler and the node controllers: nodes, pods, and a ControllerContext over the fake
// client whose recorder keeps the events in memory. Used by tests only.
import type { Node, Pod, Taint } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../types/meta.ts';
import type { ControllerContext, EventRecorder } from '../client/types.ts';
import { createFakeClient, createInformerFactory } from '../client/index.ts';
import type { FakeClient, FakeOptions } from '../client/index.ts';

export interface RecordedEvent { component: string; object: string; type: string; reason: string; message: string }

export function makeNode(name: string, o: { cpu?: string; memory?: string; pods?: string; labels?: Record<string, string>; taints?: Taint[]; unschedulable?: boolean; ready?: boolean } = {}): Node & KObject {
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
    spec: { taints: o.taints, unschedulable: o.unschedulable },
    status: {
      allocatable: { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110' },
      capacity: { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110' },
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', reason: 'KubeletReady', lastHeartbeatTime: new Date().toISOString() }],
    },
  };
}

export function makePod(name: string, o: { cpu?: string; memory?: string; ns?: string; owner?: string; hostPort?: number; nodeName?: string; spec?: Partial<Pod['spec']>; labels?: Record<string, string> } = {}): Pod & KObject {
  const requests: Record<string, string> = {};
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name, namespace: o.ns ?? 'default', labels: o.labels,
      ownerReferences: o.owner ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: o.owner, uid: `uid-${o.owner}`, controller: true }] : undefined,
    },
    spec: {
      schedulerName: 'default-scheduler',
      nodeName: o.nodeName,
      containers: [{ name: 'c', image: 'busybox', resources: { requests }, ports: o.hostPort ? [{ containerPort: 80, hostPort: o.hostPort }] : undefined }],
      ...o.spec,
    },
  };
}

export interface TestContext extends ControllerContext {
  client: FakeClient;
  events: RecordedEvent[];
  /** moves the injected clock */
  advance(ms: number): void;
  stop(): void;
  signal: AbortSignal;
}

export function testContext(initial: KObject[] = [], opts: FakeOptions & { clock?: boolean } = {}): TestContext {
  let offset = 0;
  const now = () => new Date(Date.now() + offset);
  const client = createFakeClient(initial, { now, ...opts });
  const informers = createInformerFactory(client);
  const events: RecordedEvent[] = [];
  const ac = new AbortController();
  return {
    client, informers, events, now, signal: ac.signal,
    advance: (ms) => void (offset += ms),
    stop: () => ac.abort(),
    recorder(component: string): EventRecorder {
      return {
        event(obj, type, reason, message) {
          const m = obj.metadata ?? {};
          events.push({ component, object: m.namespace ? `${m.namespace}/${m.name}` : (m.name ?? ''), type, reason, message });
        },
      };
    },
  };
}

/** polls until check returns a truthy value (generous timeout for a loaded machine) */
export async function eventually<T>(check: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
