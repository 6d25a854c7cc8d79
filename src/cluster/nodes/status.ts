// `skiff nodes ls`: each node host as the machine sees it (its agent process) and as the cluster does (its
// Node's Ready condition).
import type { Node as KNode } from 'kubernetes-types/core/v1.js';
import { join } from 'node:path';
import { createClientFromKubeconfig } from '../client/index.ts';
import { R } from '../types/gvr.ts';
import type { KObject } from '../types/meta.ts';
import type { ClusterLayout } from './layout.ts';
import { runningPid } from './procs.ts';
import { agentPidFile } from './layout.ts';

export interface NodeRow {
  name: string;
  /** Ready, NotReady, Unknown (from the Node), or "not registered" / "server down" */
  status: string;
  /** the agent's pid, or undefined when no agent runs */
  agent: number | undefined;
  ip: string;
  podCIDR: string;
  /** 'host' or the node's netns */
  where: string;
}

export async function nodeRows(l: ClusterLayout): Promise<NodeRow[]> {
  let nodes: Map<string, KNode & KObject> | undefined;
  try {
    const client = await createClientFromKubeconfig(join(l.root, 'admin.kubeconfig'));
    nodes = new Map((await client.list<KNode & KObject>(R.nodes, undefined)).items.map((n) => [n.metadata?.name ?? '', n]));
  } catch {
    nodes = undefined; // no server answering: the table says so per node
  }
  return l.nodes.map((n) => {
    const node = nodes?.get(n.name);
    const ready = node?.status?.conditions?.find((c) => c.type === 'Ready');
    const status = !nodes ? 'server down' : !node ? 'not registered' : ready?.status === 'True' ? 'Ready' : ready?.status === 'False' ? 'NotReady' : 'Unknown';
    return {
      name: n.name, status: node?.spec?.unschedulable ? `${status},SchedulingDisabled` : status,
      agent: runningPid(agentPidFile(l.root, n.name), ['agent', n.name]), ip: n.ip, podCIDR: n.podCIDR, where: n.netns || 'host',
    };
  });
}
