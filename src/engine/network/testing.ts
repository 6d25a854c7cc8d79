// For tests only: a default bridge of their own for every test engine (so engines side by side never
// share one), and the sweep that removes what an engine's networking leaves on the host.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runProgram } from '../../lib/spawn.ts';
import { nftTableName } from './nft.ts';

/**
 * `--bridge sk<8 hex>`, a /24 `--bip` in 10.160.0.0/11 that no route of this host covers, and a
 * `--default-address-pool` of its own (a /19 of 10.128.0.0/11): two daemons creating user networks at the same
 * moment would otherwise both read the host's routes before either bridge exists and take the same /24.
 */
export function testNetworkOptions(): { bridge: string; bip: string; addressPool: string } {
  const routes = JSON.parse(execFileSync('/usr/sbin/ip', ['-j', '-4', 'route', 'show', 'table', 'all']).toString() || '[]') as Array<{ dst: string }>;
  const taken = new Set(routes.map((r) => r.dst.split('/')[0].split('.').slice(0, 3).join('.')));
  const pick = (n: number) => Math.floor(Math.random() * n);
  let bip = '';
  while (!bip) {
    const net = `10.${160 + pick(32)}.${pick(256)}`;
    if (!taken.has(net)) bip = `${net}.1/24`;
  }
  const pool = pick(256); // 256 /19s in 10.128.0.0/11
  const addressPool = `base=10.${128 + (pool >> 3)}.${(pool & 7) << 5}.0/19,size=24`;
  return { bridge: `sk${Math.random().toString(16).slice(2, 10)}`, bip, addressPool };
}

function readJsons(dir: string): Array<Record<string, unknown>> {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>);
  } catch {
    return [];
  }
}

/**
 * An engine's network leftovers under `root`: the netns of its containers, its user networks' bridges, its nft
 * table, and `defaultBridge` (its --bridge: no record under root names it).
 */
export async function sweepNetwork(root: string, defaultBridge?: string): Promise<void> {
  const ids = new Set<string>();
  for (const sb of readJsons(join(root, 'networks', 'sandboxes'))) ids.add(String(sb.containerId));
  try {
    for (const id of readdirSync(join(root, 'containers'))) ids.add(id);
  } catch {
    // no containers
  }
  for (const id of ids) if (existsSync(`/run/netns/skiff-${id}`)) await runProgram('/usr/sbin/ip', ['netns', 'del', `skiff-${id}`]);
  for (const n of readJsons(join(root, 'networks'))) {
    if (n.Driver !== 'bridge') continue;
    const opts = (n.Options ?? {}) as Record<string, string>;
    const br = opts['com.docker.network.bridge.name'] ?? `sk-${String(n.Id).slice(0, 12)}`;
    if (existsSync(`/sys/class/net/${br}`)) await runProgram('/usr/sbin/ip', ['link', 'del', br]);
  }
  if (defaultBridge && existsSync(`/sys/class/net/${defaultBridge}`)) await runProgram('/usr/sbin/ip', ['link', 'del', defaultBridge]);
  await runProgram('/usr/sbin/nft', ['delete', 'table', 'ip', nftTableName(root)]);
}
