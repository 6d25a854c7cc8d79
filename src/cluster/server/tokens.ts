// Bearer tokens, kept as Kubernetes' static token file (`token,user,uid,"group1,group2"`) in <root>/tokens.
// The admin token is made at first start; every request's token is looked up in memory (constant-time compare).
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { readFileIfExists, writeFileAtomic } from '../../lib/atomic.ts';

export interface TokenUser {
  name: string;
  uid: string;
  groups: string[];
}

export interface TokenFile {
  adminToken: string;
  /** the user of a token in the file, or undefined */
  authenticateToken(token: string): { name: string; uid: string; groups: string[] } | undefined;
}

function parseLine(line: string): { token: string; user: TokenUser } | undefined {
  const m = /^([^,]+),([^,]+),([^,]+)(?:,"?([^"]*)"?)?$/.exec(line.trim());
  if (!m) return undefined;
  return { token: m[1], user: { name: m[2], uid: m[3], groups: m[4] ? m[4].split(',').filter(Boolean) : [] } };
}

export async function loadTokens(path: string): Promise<TokenFile> {
  const text = (await readFileIfExists(path)) ?? '';
  const entries = text.split('\n').map(parseLine).filter((e) => e !== undefined);
  let admin = entries.find((e) => e.user.name === 'admin');
  if (!admin) {
    admin = { token: `K10${randomBytes(24).toString('hex')}`, user: { name: 'admin', uid: 'admin', groups: ['system:masters', 'system:authenticated'] } };
    entries.push(admin);
    const body = entries.map((e) => `${e.token},${e.user.name},${e.user.uid},"${e.user.groups.join(',')}"`).join('\n') + '\n';
    await writeFileAtomic(path, body, { mode: 0o600 });
  }
  // keyed by a hash so lookups are O(1) and the compare is constant-time on equal-length digests
  const byHash = new Map(entries.map((e) => [createHash('sha256').update(e.token).digest('hex'), e]));
  return {
    adminToken: admin.token,
    authenticateToken(token) {
      const e = byHash.get(createHash('sha256').update(token).digest('hex'));
      if (!e || !timingSafeEqual(Buffer.from(e.token), Buffer.from(token.padEnd(e.token.length).slice(0, e.token.length)))) return undefined;
      return { name: e.user.name, uid: e.user.uid, groups: e.user.groups };
    },
  };
}

/** The token of `user` in the token file at `path`, added (with a fresh token) if the file has none yet.
 * `skiff up` makes the nodes' join token this way before it starts the server (which reads the file once). */
export async function ensureToken(path: string, user: TokenUser): Promise<string> {
  const text = (await readFileIfExists(path)) ?? '';
  const have = text.split('\n').map(parseLine).find((e) => e?.user.name === user.name);
  if (have) return have.token;
  const token = `K10${randomBytes(24).toString('hex')}`;
  const line = `${token},${user.name},${user.uid},"${user.groups.join(',')}"\n`;
  await writeFileAtomic(path, (text && !text.endsWith('\n') ? `${text}\n` : text) + line, { mode: 0o600 });
  return token;
}
