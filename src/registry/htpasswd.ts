// Users from an htpasswd file with bcrypt entries (`htpasswd -B`), as distribution's htpasswd auth reads
// it. A bcrypt check costs milliseconds to tens of them and clients send basic credentials on every
// request, so a successful check is remembered (by a hash of user + password) while the file is unchanged.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import bcrypt from 'bcryptjs';

export interface Htpasswd {
  path: string;
  users: Map<string, string>;
  mtimeMs: number;
  verified: Set<string>;
}

export function loadHtpasswd(path: string): Htpasswd {
  const users = new Map<string, string>();
  for (const [i, raw] of readFileSync(path, 'utf8').split('\n').entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    const hash = line.slice(colon + 1);
    if (colon <= 0 || !/^\$2[aby]?\$\d\d\$/.test(hash)) throw new Error(`${path}:${i + 1}: not a "user:bcrypt hash" line (make entries with htpasswd -B)`);
    users.set(line.slice(0, colon), hash);
  }
  return { path, users, mtimeMs: statSync(path).mtimeMs, verified: new Set() };
}

/** Re-read the file when it changed on disk (users added or removed while the registry runs). */
function fresh(h: Htpasswd): Htpasswd {
  let mtimeMs: number;
  try {
    mtimeMs = statSync(h.path).mtimeMs;
  } catch {
    return h; // gone or unreadable for a moment: keep the users we know
  }
  if (mtimeMs === h.mtimeMs) return h;
  const next = loadHtpasswd(h.path);
  h.users = next.users;
  h.mtimeMs = next.mtimeMs;
  h.verified.clear();
  return h;
}

export async function checkPassword(h: Htpasswd, user: string, password: string): Promise<boolean> {
  const hash = fresh(h).users.get(user);
  if (!hash) return false;
  const key = createHash('sha256').update(`${user}\0${password}\0${hash}`).digest('hex');
  if (h.verified.has(key)) return true;
  const ok = await bcrypt.compare(password, hash);
  if (ok) {
    if (h.verified.size > 1000) h.verified.clear();
    h.verified.add(key);
  }
  return ok;
}

/** user and password from `Authorization: Basic …`, or undefined */
export function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}
