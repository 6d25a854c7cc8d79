// The service proxy's loop (kube-proxy's role, nftables only): Services and EndpointSlices from informers;
// a change marks its Service dirty; one nft transaction rewrites the dirty Services' rules (changes that
// arrive while one runs go in the next). The first sync after start replaces the whole table at once, so
// rules left by an agent that died keep carrying traffic until then and are never duplicated. The table
// stays when the agent stops (the data path outlives it, as pods do); `skiff down` removes it.
import { createHash } from 'node:crypto';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { createInformerFactory, type ApiClient, type Informer, type InformerFactory } from '../client/index.ts';
import { R } from '../types/gvr.ts';
import type { KObject } from '../types/meta.ts';
import { runProgram } from '../../lib/spawn.ts';
import { internal } from '../../lib/errors.ts';
import { logger } from '../../lib/log.ts';
import { servicePorts, type ServicePortModel } from './model.ts';
import { renderService, renderTable, type ProxyConfig, type ServiceRules } from './render.ts';
import { diffService, emptyTransaction, transactionText } from './transaction.ts';
import { flushFlows, staleFlows } from './conntrack.ts';

const log = logger('proxy');

export interface ServiceProxyOptions {
  client: ApiClient;
  nodeName: string;
  /** the addresses NodePorts are served on (the node's InternalIP) */
  nodeIPs: string[];
  /** this node's pod CIDR: other sources reaching a ClusterIP are masqueraded */
  podCIDR?: string;
  /** the pods' bridge (ClusterIPs are served to routed packets from it only) */
  podInterface?: string;
  /** the nft table (`proxyTableName(agent root)`) */
  table: string;
  signal: AbortSignal;
  /** the agent's shared watches, started by it (the cluster DNS watches the same Services and slices); absent: its own */
  informers?: InformerFactory;
  /** after each transaction: how many Services it rewrote (full: all) and how long nft took */
  onSync?: (s: SyncReport) => void;
}

export interface SyncReport { full: boolean; services: number; nftMs: number }

/** `skiff_proxy_<8 hex of sha256(agent root)>`: one table per agent, several share the host's namespace */
export function proxyTableName(agentRoot: string): string {
  return `skiff_proxy_${createHash('sha256').update(agentRoot).digest('hex').slice(0, 8)}`;
}

type SvcObj = Service & KObject;
type SliceObj = EndpointSlice & KObject;

interface Applied { ports: ServicePortModel[]; rules: ServiceRules }

interface ProxyState {
  o: ServiceProxyOptions;
  cfg: ProxyConfig;
  services: Informer<SvcObj>;
  slices: Informer<SliceObj>;
  /** what the table holds now, by `ns/name` */
  applied: Map<string, Applied>;
  dirty: Set<string>;
  needFull: boolean;
  wake: () => void;
}

const keyOf = (o: KObject) => `${o.metadata?.namespace ?? 'default'}/${o.metadata?.name ?? ''}`;

async function nft(text: string): Promise<number> {
  const t0 = performance.now();
  const r = await runProgram('/usr/sbin/nft', ['-f', '-'], { input: text, timeoutMs: 60_000 });
  if (r.code !== 0) throw internal(`nft failed (${r.code}): ${r.stderr.trim().slice(0, 2000) || r.error?.message}`);
  return performance.now() - t0;
}

function desired(st: ProxyState, key: string): ServicePortModel[] {
  const svc = st.services.get(key);
  return svc ? servicePorts(svc, st.slices.byIndex('service', key), st.o.nodeName) : [];
}

/** every Service at once, replacing the table whole (the first sync, and after a failed transaction) */
async function fullSync(st: ProxyState): Promise<void> {
  st.dirty.clear();
  const next = new Map<string, Applied>();
  for (const svc of st.services.list()) {
    const ports = desired(st, keyOf(svc));
    if (ports.length > 0) next.set(keyOf(svc), { ports, rules: renderService(ports, st.cfg) });
  }
  const nftMs = await nft(renderTable(st.cfg, [...next.values()].map((a) => a.rules)));
  st.applied = next;
  st.needFull = false;
  st.o.onSync?.({ full: true, services: next.size, nftMs });
}

/** only the dirty Services, in one transaction; then the UDP flows their changes left stale */
async function partialSync(st: ProxyState): Promise<void> {
  const keys = [...st.dirty];
  st.dirty.clear();
  const tx = emptyTransaction();
  const next = new Map<string, Applied | undefined>();
  for (const key of keys) {
    const ports = desired(st, key);
    const a = ports.length > 0 ? { ports, rules: renderService(ports, st.cfg) } : undefined;
    diffService(tx, st.cfg.table, st.applied.get(key)?.rules, a?.rules);
    next.set(key, a);
  }
  const text = transactionText(tx);
  if (!text) return;
  const nftMs = await nft(text).catch((err: Error) => {
    // what the table holds is no longer known for sure: the next sync writes it whole
    st.needFull = true;
    throw err;
  });
  const flows: string[][] = [];
  for (const [key, a] of next) {
    flows.push(...staleFlows(st.applied.get(key)?.ports ?? [], a?.ports ?? []));
    if (a) st.applied.set(key, a);
    else st.applied.delete(key);
  }
  st.o.onSync?.({ full: false, services: keys.length, nftMs });
  await flushFlows(flows);
}

function watchChanges(st: ProxyState): void {
  const mark = (key: string) => {
    st.dirty.add(key);
    st.wake();
  };
  st.services.on({ add: (s) => mark(keyOf(s)), update: (_, s) => mark(keyOf(s)), delete: (s) => mark(keyOf(s)) });
  const owner = (s: SliceObj) => {
    const name = s.metadata?.labels?.['kubernetes.io/service-name'];
    if (name) mark(`${s.metadata?.namespace ?? 'default'}/${name}`);
  };
  st.slices.on({ add: owner, update: (old, s) => { owner(old); owner(s); }, delete: owner });
}

/** Runs until signal aborts; errors are logged and retried (a failed transaction leads to a full resync). */
export async function runServiceProxy(o: ServiceProxyOptions): Promise<void> {
  const informers = o.informers ?? createInformerFactory(o.client);
  const services = informers.informer<SvcObj>(R.services);
  const slices = informers.informer<SliceObj>(R.endpointslices);
  slices.addIndex('service', (s) => {
    const name = s.metadata?.labels?.['kubernetes.io/service-name'];
    return name ? [`${s.metadata?.namespace ?? 'default'}/${name}`] : [];
  });
  let wakeUp: (() => void) | undefined;
  const st: ProxyState = {
    o, services, slices, applied: new Map(), dirty: new Set(), needFull: true,
    cfg: { table: o.table, podCIDR: o.podCIDR, nodeIPs: o.nodeIPs, podInterface: o.podInterface },
    wake: () => wakeUp?.(),
  };
  watchChanges(st);
  o.signal.addEventListener('abort', () => st.wake(), { once: true });
  informers.start(o.signal);
  try {
    await informers.waitForSync(o.signal);
  } catch (err) {
    if (o.signal.aborted) return;
    throw err;
  }
  log.info('service proxy syncing', { table: o.table, node: o.nodeName });
  let backoff = 500;
  while (!o.signal.aborted) {
    if (!st.needFull && st.dirty.size === 0) {
      await new Promise<void>((resolve) => (wakeUp = resolve));
      wakeUp = undefined;
      continue;
    }
    try {
      if (st.needFull) await fullSync(st);
      else await partialSync(st);
      backoff = 500;
    } catch (err) {
      log.warn('service proxy sync failed; writing the whole table next', { err: (err as Error).message, retryMs: backoff });
      st.needFull = true;
      await new Promise((ok) => setTimeout(ok, backoff));
      backoff = Math.min(backoff * 2, 30_000);
    }
  }
}
