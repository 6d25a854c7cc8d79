// `skiff token create|list|delete`: bootstrap tokens for joining nodes (as `k3s token` / `kubeadm token`).
// `create` prints the join token `K10<sha256 of the cluster CA>::<id>.<secret>`: an agent on another machine
// joins with `skiff agent --server URL --token THAT` and verifies the server by the hash, no CA file needed.
import { join } from 'node:path';
import { type Command, CliError } from '../core.ts';
import { tabulate } from '../format.ts';
import { SkiffError } from '../../lib/errors.ts';

const DEFAULT_ROOT = '/var/lib/skiff/server';
const cluster = () => import('../../cluster/entry.ts');
const flags = [
  { name: 'kubeconfig', type: 'string' as const, help: 'Kubeconfig of the control plane', def: `$KUBECONFIG or ROOT/admin.kubeconfig` },
  { name: 'root', type: 'string' as const, help: "The server's --root (or the cluster directory `skiff up` was given)", def: DEFAULT_ROOT },
];

async function connect(p: { str(name: string): string | undefined }) {
  const path = p.str('kubeconfig') ?? process.env.KUBECONFIG ?? join(p.str('root') ?? DEFAULT_ROOT, 'admin.kubeconfig');
  const m = await cluster();
  try {
    const cfg = await m.loadKubeconfig(path);
    return { m, cfg, client: m.createHttpClient({ ...cfg, userAgent: 'skiff-token' }) };
  } catch (err) {
    throw new CliError(`cannot read the kubeconfig ${path}: ${(err as Error).message}`, 1);
  }
}

/** `24h`, `90m`, `30s`, `7d`, or 0 (never expires) → seconds */
export function parseTtl(s: string): number {
  const m = /^(\d+)(s|m|h|d)?$/.exec(s);
  if (!m) throw new CliError(`invalid --ttl "${s}": use a duration like 24h, 90m or 7d (0: never expires)`, 125);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
}

/** kube's short human duration: 45s, 59m, 23h, 6d */
export function shortDuration(seconds: number): string {
  if (seconds < 0) return '<invalid>';
  if (seconds < 120) return `${Math.floor(seconds)}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 48 * 3600) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

const asCli = (err: unknown) => (err instanceof SkiffError ? new CliError(err.message, 1) : err);

export const tokenCreate: Command = {
  usage: '[OPTIONS]',
  summary: 'Make a bootstrap token and print the join token for `skiff agent --token`',
  flags: [
    ...flags,
    { name: 'ttl', type: 'string', help: 'How long the token is valid (0: forever)', def: '24h' },
    { name: 'description', type: 'string', help: 'What the token is for' },
    { name: 'print-join-command', type: 'bool', help: 'Print the whole `skiff agent` command, not only the token' },
  ],
  args: { max: 0 },
  async run(_ctx, p) {
    const ttlSeconds = parseTtl(p.str('ttl') ?? '24h');
    const { m, cfg, client } = await connect(p);
    if (!cfg.ca) throw new CliError('the kubeconfig names no certificate-authority-data: the join token needs the cluster CA', 1);
    const credential = await m.createBootstrapToken(client, { ttlSeconds, description: p.str('description') }).catch((err: unknown) => { throw asCli(err); });
    const token = m.joinToken(cfg.ca, credential);
    process.stdout.write(p.bool('print-join-command') ? `skiff agent --server ${cfg.server} --token ${token}\n` : `${token}\n`);
  },
};

export const tokenList: Command = {
  usage: '[OPTIONS]',
  summary: 'List the bootstrap tokens',
  flags,
  args: { max: 0 },
  async run(_ctx, p) {
    const { m, client } = await connect(p);
    const now = Date.now();
    const rows = [['TOKEN', 'TTL', 'EXPIRES', 'USAGES', 'DESCRIPTION', 'EXTRA GROUPS']];
    for (const t of await m.listBootstrapTokens(client)) {
      const exp = t.expiration ? Date.parse(t.expiration) : undefined;
      rows.push([t.token, exp === undefined ? '<forever>' : shortDuration((exp - now) / 1000), t.expiration ?? '<never>', t.usages.join(','), t.description || '<none>', t.groups.join(',')]);
    }
    process.stdout.write(tabulate(rows));
  },
};

export const tokenDelete: Command = {
  usage: '[OPTIONS] TOKEN [TOKEN...]',
  summary: 'Delete bootstrap tokens (by id or whole token)',
  flags,
  args: { min: 1 },
  async run(_ctx, p) {
    const { m, client } = await connect(p);
    for (const t of p.args) {
      const id = await m.deleteBootstrapToken(client, t.replace(/^K10[0-9a-f]{64}::/, '')).catch((err: unknown) => { throw asCli(err); });
      process.stdout.write(`bootstrap token "${id}" deleted\n`);
    }
  },
};
