// Running CNI plugins (containernetworking/cni SPEC.md): the plugin binary from /usr/lib/cni, the verb and
// container in the environment, the network configuration as JSON on stdin, the result as JSON on stdout.
import { runProgram } from '../../lib/spawn.ts';
import { internal } from '../../lib/errors.ts';
import { intToIp, lastOf, parseCidr } from './subnet.ts';

export const CNI_PATH = process.env.SKIFF_CNI_PATH ?? '/usr/lib/cni';
export const CNI_VERSION = '1.0.0';

export interface CniCall {
  command: 'ADD' | 'DEL' | 'CHECK';
  containerId: string;
  /** path of the network namespace ('' for a DEL whose namespace is gone) */
  netns: string;
  ifname: string;
  /** CNI_ARGS: IP=, MAC= */
  args?: Record<string, string>;
}

export interface CniResult {
  interfaces?: Array<{ name: string; mac: string; sandbox?: string }>;
  ips?: Array<{ interface?: number; address: string; gateway?: string }>;
}

/** One plugin call; a plugin's own error (`{code, msg, details}` on stdout) becomes the message. */
export async function execPlugin(conf: Record<string, unknown>, call: CniCall): Promise<CniResult> {
  const type = String(conf.type);
  const args = Object.entries(call.args ?? {}).map(([k, v]) => `${k}=${v}`);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    CNI_COMMAND: call.command,
    CNI_CONTAINERID: call.containerId,
    CNI_NETNS: call.netns,
    CNI_IFNAME: call.ifname,
    CNI_PATH,
    ...(args.length ? { CNI_ARGS: ['IgnoreUnknown=1', ...args].join(';') } : {}),
  };
  const r = await runProgram(`${CNI_PATH}/${type}`, [], { env, input: JSON.stringify(conf), timeoutMs: 60_000 });
  if (r.code !== 0) {
    let msg = r.stderr.trim() || r.error?.message || `exit ${r.code}`;
    try {
      const e = JSON.parse(r.stdout) as { msg?: string; details?: string };
      if (e.msg) msg = e.details ? `${e.msg}: ${e.details}` : e.msg;
    } catch {
      // not a CNI error object: stderr says it
    }
    throw internal(`CNI plugin ${type} ${call.command} failed: ${msg}`);
  }
  if (call.command !== 'ADD') return {};
  return JSON.parse(r.stdout) as CniResult;
}

export interface BridgeConf {
  /** CNI network name: the host-local IPAM keeps its leases under dataDir/<name> */
  name: string;
  bridge: string;
  subnet: string;
  gateway: string;
  ipRange?: string;
  dataDir: string;
  mtu?: number;
  /** the container's default route goes through this network (its first one) */
  defaultRoute: boolean;
}

/** The bridge plugin's conf: we are the gateway; masquerade is ours (nftables), hairpin for published ports. */
export function bridgeConf(c: BridgeConf): Record<string, unknown> {
  const range: Record<string, string> = { subnet: c.subnet, gateway: c.gateway };
  if (c.ipRange) {
    // host-local hands out addresses from rangeStart–rangeEnd inside the subnet
    const r = parseCidr(c.ipRange);
    const s = parseCidr(c.subnet);
    range.rangeStart = intToIp(r.base === s.base ? r.base + 1 : r.base);
    range.rangeEnd = intToIp(lastOf(r) === lastOf(s) ? lastOf(r) - 1 : lastOf(r));
  }
  return {
    cniVersion: CNI_VERSION,
    name: c.name,
    type: 'bridge',
    bridge: c.bridge,
    isGateway: true,
    isDefaultGateway: c.defaultRoute,
    ipMasq: false,
    hairpinMode: true,
    ...(c.mtu ? { mtu: c.mtu } : {}),
    ipam: { type: 'host-local', ranges: [[range]], dataDir: c.dataDir },
  };
}

export const loopbackConf = { cniVersion: CNI_VERSION, name: 'lo', type: 'loopback' };
