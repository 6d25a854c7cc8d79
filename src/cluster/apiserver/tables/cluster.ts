// Printers of the cluster and config kinds (kube's printNode, printNamespace, printEvent, printConfigMap,
// printSecret, printServiceAccount, printLease). events.k8s.io/v1 Events print as core Events, as in kube.
import type { ConfigMap, Event, Namespace, Node, Secret, ServiceAccount } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { KObject } from '../../types/meta.ts';
import type { Printer } from './types.ts';
import { ageColumn, col, nameColumn, since, nameOf, ageOf } from './format.ts';


function nodeRoles(node: Node): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata?.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return roles.size ? [...roles].sort().join(',') : '<none>';
}

const nodeAddress = (node: Node, type: string) => (node.status?.addresses ?? []).find((a) => a.type === type)?.address ?? '<none>';

export const nodePrinter: Printer = {
  columns: [nameColumn, col('Status', 'The status of the node'), col('Roles', 'The roles of the node'), ageColumn,
    col('Version', 'Kubelet Version reported by the node.'), col('Internal-IP', 'List of addresses reachable to the node.', { priority: 1 }),
    col('External-IP', 'List of addresses reachable to the node.', { priority: 1 }), col('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', { priority: 1 }),
    col('Kernel-Version', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", { priority: 1 }),
    col('Container-Runtime', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', { priority: 1 })],
  cells(obj, now) {
    const node = obj as Node;
    const ready = (node.status?.conditions ?? []).find((c) => c.type === 'Ready');
    const status = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
    if (node.spec?.unschedulable) status.push('SchedulingDisabled');
    const info = node.status?.nodeInfo;
    return [nameOf(node), status.join(','), nodeRoles(node), ageOf(node, now), info?.kubeletVersion ?? '', nodeAddress(node, 'InternalIP'), nodeAddress(node, 'ExternalIP'),
      info?.osImage || '<unknown>', info?.kernelVersion || '<unknown>', info?.containerRuntimeVersion || '<unknown>'];
  },
};

export const namespacePrinter: Printer = {
  columns: [nameColumn, col('Status', 'The status of the namespace'), ageColumn],
  cells: (obj, now) => [nameOf(obj), (obj as Namespace).status?.phase ?? '', ageOf(obj, now)],
};

/** The core/v1 Event fields the printer reads; events.k8s.io/v1 objects are mapped onto them */
interface EventView {
  name: string;
  type?: string;
  reason?: string;
  message?: string;
  involved: { kind?: string; name?: string; fieldPath?: string };
  source: string;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  count?: number;
  series?: { count?: number; lastObservedTime?: string };
}

function eventSource(component: string | undefined, host: string | undefined, controller: string | undefined, instance: string | undefined): string {
  const c = component || controller || '';
  const h = host || instance || '';
  return h ? `${c}, ${h}` : c;
}

function eventView(obj: KObject): EventView {
  if (obj.apiVersion === 'events.k8s.io/v1') {
    const e = obj as KObject & Record<string, any>;
    return {
      name: nameOf(e), type: e.type, reason: e.reason, message: e.note, involved: e.regarding ?? {},
      source: eventSource(e.deprecatedSource?.component, e.deprecatedSource?.host, e.reportingController, e.reportingInstance),
      firstTimestamp: e.deprecatedFirstTimestamp, lastTimestamp: e.deprecatedLastTimestamp, eventTime: e.eventTime, count: e.deprecatedCount, series: e.series,
    };
  }
  const e = obj as unknown as Event;
  return {
    name: nameOf(e), type: e.type, reason: e.reason, message: e.message, involved: e.involvedObject ?? {},
    source: eventSource(e.source?.component, e.source?.host, e.reportingComponent, e.reportingInstance),
    firstTimestamp: e.firstTimestamp, lastTimestamp: e.lastTimestamp, eventTime: e.eventTime, count: e.count, series: e.series,
  };
}

export const eventPrinter: Printer = {
  columns: [col('Last Seen', 'The time at which the most recent occurrence of this event was recorded.'), col('Type', 'Type of this event (Normal, Warning), new types could be added in the future'),
    col('Reason', 'This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.'),
    col('Object', 'The object that this event is about.'), col('Subobject', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.', { priority: 1 }),
    col('Source', 'The component reporting this event. Should be a short machine understandable string.', { priority: 1 }),
    col('Message', 'A human-readable description of the status of this operation.'), col('First Seen', 'The time at which the event was first recorded.', { priority: 1 }),
    col('Count', 'The number of times this event has occurred.', { priority: 1 }), col('Name', 'Name must be unique within a namespace.', { priority: 1, format: 'name' })],
  cells(obj, now) {
    const e = eventView(obj);
    const first = e.firstTimestamp ? since(e.firstTimestamp, now) : since(e.eventTime, now);
    let last = e.lastTimestamp ? since(e.lastTimestamp, now) : first;
    let count = e.count ?? 0;
    if (e.series) {
      last = since(e.series.lastObservedTime, now);
      count = e.series.count ?? 0;
    } else if (count === 0) count = 1;
    const kind = (e.involved.kind ?? '').toLowerCase();
    const target = e.involved.name ? `${kind}/${e.involved.name}` : kind;
    return [last, e.type ?? '', e.reason ?? '', target, e.involved.fieldPath ?? '', e.source, (e.message ?? '').trim(), first, count, e.name];
  },
};

export const configMapPrinter: Printer = {
  columns: [nameColumn, col('Data', 'Data contains the configuration data.'), ageColumn],
  cells(obj, now) {
    const cm = obj as ConfigMap;
    return [nameOf(cm), Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length, ageOf(cm, now)];
  },
};

export const secretPrinter: Printer = {
  columns: [nameColumn, col('Type', 'Used to facilitate programmatic handling of secret data.'), col('Data', 'Data contains the secret data.'), ageColumn],
  cells(obj, now) {
    const s = obj as Secret;
    return [nameOf(s), s.type ?? '', Object.keys(s.data ?? {}).length, ageOf(s, now)];
  },
};

export const serviceAccountPrinter: Printer = {
  columns: [nameColumn, col('Secrets', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'), ageColumn],
  cells: (obj, now) => [nameOf(obj), ((obj as ServiceAccount).secrets ?? []).length, ageOf(obj, now)],
};

export const leasePrinter: Printer = {
  columns: [nameColumn, col('Holder', 'holderIdentity contains the identity of the holder of a current lease.'), ageColumn],
  cells: (obj, now) => [nameOf(obj), (obj as Lease).spec?.holderIdentity ?? '', ageOf(obj, now)],
};
