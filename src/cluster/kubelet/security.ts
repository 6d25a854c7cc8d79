// The container's security settings: the pod's securityContext under the container's (the container wins
// field by field, as securitycontext.DetermineEffectiveSecurityContext does), in CRI's shape.
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { LinuxContainerSecurityContext } from '../../engine/types/runtime.ts';
import { ContainerConfigError } from './env.ts';

/** what a non-privileged container hides and makes read-only in /proc and /sys (Kubernetes' defaults) */
export const defaultMaskedPaths = ['/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap'];
export const defaultReadonlyPaths = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

type Seccomp = { type?: string; localhostProfile?: string } | undefined;
/** a pod's or container's seccompProfile in CRI's shape (undefined: none asked for) */
export function seccompOf(p: Seccomp): LinuxContainerSecurityContext['seccompProfile'] | undefined {
  if (!p?.type) return undefined;
  if (p.type === 'RuntimeDefault' || p.type === 'Unconfined') return { profileType: p.type };
  if (p.type === 'Localhost') return { profileType: 'Localhost', localhostRef: p.localhostProfile };
  return undefined;
}

/**
 * imageUid: the uid the image runs as (undefined: unknown, e.g. a user name) — runAsNonRoot is checked
 * against it as the kubelet's verifyRunAsNonRoot does.
 */
export function containerSecurity(pod: Pod, c: Container, imageUid: number | undefined, imageUser: string): LinuxContainerSecurityContext {
  const ps = pod.spec?.securityContext ?? {};
  const cs = c.securityContext ?? {};
  const privileged = cs.privileged ?? false;
  const runAsUser = cs.runAsUser ?? ps.runAsUser;
  const runAsGroup = cs.runAsGroup ?? ps.runAsGroup;
  const runAsNonRoot = cs.runAsNonRoot ?? ps.runAsNonRoot;
  const where = `(pod: "${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})", container: ${c.name})`;
  if (runAsNonRoot) {
    if (runAsUser === 0) throw new ContainerConfigError(`container's runAsUser breaks non-root policy ${where}`);
    if (runAsUser === undefined) {
      if (imageUid === 0) throw new ContainerConfigError(`container has runAsNonRoot and image will run as root ${where}`);
      if (imageUid === undefined && imageUser) throw new ContainerConfigError(`container has runAsNonRoot and image has non-numeric user (${imageUser}), cannot verify user is non-root ${where}`);
    }
  }
  const sc: LinuxContainerSecurityContext = {
    privileged,
    readonlyRootfs: cs.readOnlyRootFilesystem ?? false,
    noNewPrivs: cs.allowPrivilegeEscalation === false,
    namespaceOptions: { network: pod.spec?.hostNetwork ? 'NODE' : 'POD', pid: pod.spec?.hostPID ? 'NODE' : pod.spec?.shareProcessNamespace ? 'POD' : 'CONTAINER', ipc: pod.spec?.hostIPC ? 'NODE' : 'POD' },
  };
  if (cs.capabilities) sc.capabilities = { addCapabilities: cs.capabilities.add ?? [], dropCapabilities: cs.capabilities.drop ?? [] };
  if (runAsUser !== undefined) sc.runAsUser = runAsUser;
  if (runAsGroup !== undefined) sc.runAsGroup = runAsGroup;
  const groups = [...(ps.supplementalGroups ?? []), ...(ps.fsGroup !== undefined ? [ps.fsGroup] : [])];
  if (groups.length) sc.supplementalGroups = groups;
  const seccomp = seccompOf(cs.seccompProfile) ?? seccompOf(ps.seccompProfile);
  if (seccomp) sc.seccompProfile = seccomp;
  if (!privileged && cs.procMount !== 'Unmasked') {
    sc.maskedPaths = defaultMaskedPaths;
    sc.readonlyPaths = defaultReadonlyPaths;
  }
  return sc;
}
