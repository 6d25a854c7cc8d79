// UDP has no connection to end: conntrack keeps sending a client's datagrams to the endpoint its first one
// was DNATed to, even after that endpoint is gone from the rules. So, as kube-proxy does, the entries that
// name a removed UDP endpoint are deleted, and so are those to a UDP Service that had no endpoints before.
import { runProgram } from '../../lib/spawn.ts';
import { logger } from '../../lib/log.ts';
import type { ServicePortModel } from './model.ts';

const log = logger('proxy');
const CONNTRACK = '/usr/sbin/conntrack';

/** one `conntrack -D` filter; exit 1 with "0 flow entries" is fine (nothing matched) */
async function deleteEntries(args: string[]): Promise<void> {
  const r = await runProgram(CONNTRACK, ['-D', '-p', 'udp', ...args], { timeoutMs: 10_000 });
  if (r.code !== 0 && !/0 flow entries/.test(r.stderr)) log.warn('conntrack -D failed', { args: args.join(' '), err: r.stderr.trim() || r.error?.message });
}

/** `ip:port` of every endpoint a port may send to */
const endpointIPs = (p: ServicePortModel | undefined) => new Set([...(p?.clusterEndpoints ?? []), ...(p?.localEndpoints ?? [])].map((e) => `${e.ip}:${e.port}`));

/** the conntrack filters a change of one Service's UDP ports calls for */
export function staleFlows(old: ServicePortModel[], next: ServicePortModel[]): string[][] {
  const flows: string[][] = [];
  const before = new Map(old.filter((p) => p.protocol === 'udp').map((p) => [p.id, p]));
  for (const p of next.filter((x) => x.protocol === 'udp')) {
    const was = before.get(p.id);
    before.delete(p.id);
    const vips = [...p.clusterIPs, ...p.externalIPs];
    if (endpointIPs(was).size === 0 && endpointIPs(p).size > 0) {
      // entries made while there was nothing to reach (their replies would never come)
      for (const ip of vips) flows.push(['--orig-dst', ip, '--orig-port-dst', String(p.port)]);
      if (p.nodePort) flows.push(['--orig-port-dst', String(p.nodePort)]);
    }
    const now = endpointIPs(p);
    for (const gone of endpointIPs(was)) if (!now.has(gone)) flows.push(...flowsTo(was!, gone));
  }
  for (const was of before.values()) for (const gone of endpointIPs(was)) flows.push(...flowsTo(was, gone));
  return flows;
}

/** the flows of this port DNATed to `endpoint` (ip:port): their replies come from it */
function flowsTo(p: ServicePortModel, endpoint: string): string[][] {
  const [ip, port] = endpoint.split(':');
  const from = ['--reply-src', ip, '--reply-port-src', port];
  const flows = [...p.clusterIPs, ...p.externalIPs].map((vip) => ['--orig-dst', vip, '--orig-port-dst', String(p.port), ...from]);
  if (p.nodePort) flows.push(['--orig-port-dst', String(p.nodePort), ...from]);
  return flows;
}

export async function flushFlows(flows: string[][]): Promise<void> {
  for (const f of flows) await deleteEntries(f);
}
