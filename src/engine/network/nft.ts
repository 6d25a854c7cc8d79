// The daemon's one nftables table: published ports (kernel DNAT, no userland proxy), masquerade, and the
// forward rules that keep networks apart. Rendered from the current state and written whole, atomically
// (`nft -f -` runs one transaction), whenever that state changes.
import { createHash } from 'node:crypto';
import { runProgram } from '../../lib/spawn.ts';
import { internal } from '../../lib/errors.ts';

export const DEFAULT_ENGINE_ROOT = '/var/lib/skiff/engine';

export interface NftNetwork {
  bridge: string;
  subnet: string;
  internal: boolean;
  /** traffic to this CIDR is not masqueraded (io.skiff.network.no-masquerade-to) */
  keepSourceTo?: string;
  /** the embedded resolver listens here (user networks): only this network may ask it */
  dnsAddress?: string;
}

export interface NftPort {
  /** '' or 0.0.0.0: every local address */
  hostIp: string;
  hostPort: number;
  protocol: 'tcp' | 'udp';
  containerIp: string;
  containerPort: number;
}

/** `skiff` for the default root; `skiff_<8 hex>` for a private root, so daemons never share a table. */
export function nftTableName(root: string): string {
  if (root === DEFAULT_ENGINE_ROOT) return 'skiff';
  return `skiff_${createHash('sha256').update(root).digest('hex').slice(0, 8)}`;
}

const q = (name: string) => `"${name}"`;

function dnatRule(p: NftPort): string {
  const daddr = p.hostIp && p.hostIp !== '0.0.0.0' ? `ip daddr ${p.hostIp} ` : '';
  return `${daddr}${p.protocol} dport ${p.hostPort} dnat to ${p.containerIp}:${p.containerPort}`;
}

function forwardRules(nets: NftNetwork[]): string[] {
  const rules = ['ct state established,related accept'];
  const bridges = nets.map((n) => q(n.bridge));
  for (const n of nets.filter((x) => x.internal)) {
    // an --internal network talks only within itself
    rules.push(`iifname ${q(n.bridge)} oifname != ${q(n.bridge)} drop`, `oifname ${q(n.bridge)} iifname != ${q(n.bridge)} drop`);
  }
  for (const b of bridges) rules.push(`iifname ${b} oifname ${b} accept`);
  // a published port may be reached from any network (its traffic was DNATed)
  rules.push('ct status dnat accept');
  for (const b of bridges) {
    const others = bridges.filter((o) => o !== b);
    if (others.length) rules.push(`iifname ${b} oifname { ${others.join(', ')} } drop`);
  }
  for (const b of bridges) rules.push(`iifname ${b} accept`, `oifname ${b} accept`);
  return rules;
}

function postroutingRules(nets: NftNetwork[]): string[] {
  const rules: string[] = [];
  for (const n of nets) {
    const br = q(n.bridge);
    // the host reaching a published port on 127.0.0.1: the reply must come back to a real address
    rules.push(`ip saddr 127.0.0.0/8 oifname ${br} masquerade`);
    // hairpin: a container reaching its own network through a published port
    rules.push(`oifname ${br} ip saddr ${n.subnet} ct status dnat masquerade`);
    if (!n.internal) rules.push(`ip saddr ${n.subnet} ${n.keepSourceTo ? `ip daddr != ${n.keepSourceTo} ` : ''}oifname != ${br} masquerade`);
  }
  return rules;
}

function inputRules(nets: NftNetwork[]): string[] {
  return nets.filter((n) => n.dnsAddress).flatMap((n) => ['udp', 'tcp'].map((p) => `ip daddr ${n.dnsAddress} ${p} dport 53 iifname != ${q(n.bridge)} reject`));
}

const chain = (name: string, head: string | null, rules: string[]) =>
  `  chain ${name} {\n${head ? `    ${head}\n` : ''}${rules.map((r) => `    ${r}\n`).join('')}  }\n`;

/** The whole table as one `nft -f` transaction: create if missing, flush, fill. */
export function renderRuleset(table: string, nets: NftNetwork[], ports: NftPort[]): string {
  const body =
    chain('published', null, ports.map(dnatRule)) +
    chain('prerouting', 'type nat hook prerouting priority dstnat; policy accept;', ['fib daddr type local jump published']) +
    chain('output', 'type nat hook output priority -100; policy accept;', ['fib daddr type local jump published']) +
    chain('postrouting', 'type nat hook postrouting priority srcnat; policy accept;', postroutingRules(nets)) +
    chain('forward', 'type filter hook forward priority filter; policy accept;', forwardRules(nets)) +
    chain('input', 'type filter hook input priority filter; policy accept;', inputRules(nets));
  return `table ip ${table} {}\nflush table ip ${table}\ntable ip ${table} {\n${body}}\n`;
}

export async function applyRuleset(text: string): Promise<void> {
  const r = await runProgram('/usr/sbin/nft', ['-f', '-'], { input: text, timeoutMs: 30_000 });
  if (r.code !== 0) throw internal(`nft failed (${r.code}): ${r.stderr.trim() || r.error?.message}\n${text}`);
}

/** Remove the table (tests, a daemon's last network gone). */
export async function deleteTable(table: string): Promise<void> {
  await runProgram('/usr/sbin/nft', ['delete', 'table', 'ip', table], { timeoutMs: 30_000 });
}
