// `--user name|uid[:group|gid]` resolved against the container's own /etc/passwd and /etc/group, as
// docker (runc's user.GetExecUser) does: names must exist, numbers need not; supplementary groups are the
// groups that list the user as a member.
import { readFile } from 'node:fs/promises';
import { invalidArgument } from '../../lib/errors.ts';
import { resolveInRoot } from '../../lib/tar.ts';

export interface ExecUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

interface PasswdEntry { name: string; uid: number; gid: number; home: string }
interface GroupEntry { name: string; gid: number; members: string[] }

export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 4) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) continue;
    out.push({ name: f[0], uid, gid, home: f[5] || '/' });
  }
  return out;
}

export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 3) continue;
    const gid = Number(f[2]);
    if (!Number.isInteger(gid)) continue;
    out.push({ name: f[0], gid, members: (f[3] ?? '').split(',').map((m) => m.trim()).filter(Boolean) });
  }
  return out;
}

const isNumeric = (s: string) => /^\d+$/.test(s);

/** Pure resolution over parsed files (empty user = root). */
export function resolveUser(spec: string | undefined, passwd: PasswdEntry[], groups: GroupEntry[]): ExecUser {
  const [userPart = '', groupPart] = (spec ?? '').split(':', 2);
  let uid = 0;
  let gid = 0;
  let home = '/';
  let name: string | undefined;
  const u = userPart === '' ? passwd.find((p) => p.uid === 0) : passwd.find((p) => (isNumeric(userPart) ? p.uid === Number(userPart) : p.name === userPart));
  if (u) {
    ({ uid, gid, home, name } = u);
  } else if (userPart !== '' && !isNumeric(userPart)) {
    throw invalidArgument(`unable to find user ${userPart}: no matching entries in passwd file`);
  } else if (userPart !== '') {
    uid = Number(userPart);
  }
  if (groupPart !== undefined && groupPart !== '') {
    const g = groups.find((e) => (isNumeric(groupPart) ? e.gid === Number(groupPart) : e.name === groupPart));
    if (g) gid = g.gid;
    else if (isNumeric(groupPart)) gid = Number(groupPart);
    else throw invalidArgument(`unable to find group ${groupPart}: no matching entries in group file`);
  }
  const additionalGids = name && groupPart === undefined
    ? [...new Set(groups.filter((g) => g.members.includes(name) && g.gid !== gid).map((g) => g.gid))]
    : [];
  return { uid, gid, additionalGids, home };
}

async function readInRoot(rootfs: string, path: string): Promise<string> {
  try {
    return await readFile(await resolveInRoot(rootfs, path), 'utf8');
  } catch {
    return '';
  }
}

/** Resolve `spec` against the files of the mounted root filesystem `rootfs`. */
export async function resolveUserInRootfs(rootfs: string, spec: string | undefined): Promise<ExecUser> {
  // numeric root needs no reads
  if (spec === '0' || spec === '0:0') return resolveUser(spec, [], []);
  // both at once: on the hot path of `run` (the default user still reads them, for root's groups)
  const [passwd, group] = await Promise.all([readInRoot(rootfs, '/etc/passwd'), readInRoot(rootfs, '/etc/group')]);
  return resolveUser(spec, parsePasswd(passwd), parseGroup(group));
}
