// Linux capabilities as docker names and computes them: a default set of 14, ± --cap-add/--cap-drop,
// `ALL` on either side, everything for --privileged.
import { invalidArgument } from '../../lib/errors.ts';

/** Every capability by number (index = CAP_* value), as in linux/capability.h. */
export const allCapabilities = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ',
  'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

/** docker's default set (moby oci/caps/defaults.go) */
export const defaultCapabilities = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/** `net_admin`, `NET_ADMIN`, `CAP_NET_ADMIN` → `CAP_NET_ADMIN`; `all` → `ALL`; InvalidArgument when unknown. */
export function normalizeCapability(name: string, known: readonly string[] = allCapabilities): string {
  const upper = name.trim().toUpperCase();
  if (upper === 'ALL') return 'ALL';
  const cap = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  if (!known.includes(cap)) throw invalidArgument(`invalid capability: unknown capability: "${cap}"`);
  return cap;
}

/**
 * The container's capability set, as moby's caps.TweakCapabilities: start from the defaults (or all when
 * `ALL` is added), add, then drop (`ALL` drops everything not explicitly added).
 */
export function containerCapabilities(opts: { capAdd: string[]; capDrop: string[]; privileged: boolean; known?: readonly string[] }): string[] {
  const known = opts.known ?? allCapabilities;
  if (opts.privileged) return [...known];
  const add = opts.capAdd.map((c) => normalizeCapability(c, known));
  const drop = opts.capDrop.map((c) => normalizeCapability(c, known));
  const set = new Set(add.includes('ALL') ? known : defaultCapabilities);
  for (const c of add) if (c !== 'ALL') set.add(c);
  if (drop.includes('ALL')) {
    return add.includes('ALL') ? [...known] : add.filter((c) => c !== 'ALL');
  }
  for (const c of drop) if (!add.includes(c)) set.delete(c);
  return [...set];
}

/** Capabilities this kernel knows (cap_last_cap), so a newer name never reaches an older kernel. */
export function kernelCapabilities(lastCap: number): string[] {
  return allCapabilities.slice(0, Math.min(allCapabilities.length, lastCap + 1));
}
