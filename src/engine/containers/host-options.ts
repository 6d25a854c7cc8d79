// HostConfig settings docker's SDK sends beyond the basics: namespaces shared with the host or another
// container (PidMode, UTSMode, IpcMode), GroupAdd, cpusets, devices and device cgroup rules, sysctls,
// the runtime, isolation, and `--init`. Checked once at create (docker's rules and wording), resolved at
// start (namespace paths, gids, device numbers), applied to the OCI spec by `applyHostOptions` (pure).
import { readFileSync, statSync } from 'node:fs';
import type { ContainerSpec, ContainerRecord } from '../types.ts';
import { conflict, invalidArgument, notFound } from '../../lib/errors.ts';
import { findBinary } from './runtime.ts';
import { parseGroup } from './user.ts';
import { resolveInRoot } from '../../lib/tar.ts';
import { readFile } from 'node:fs/promises';
import type { OciDevice, OciSpec } from './spec.ts';
import { checkLogConfig } from './log-driver.ts';

/** tini, as Debian ships it (docker's docker-init is tini too), bind-mounted where docker puts it. */
export const initBinaryCandidates = ['/usr/bin/tini-static', '/usr/libexec/docker/docker-init', '/usr/bin/docker-init'];
export const initPathInContainer = '/sbin/docker-init';

// sysctls that live in a namespace (runc's validateSysctl): the IPC ones, and net.* in a network namespace
const ipcSysctls = new Set(['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced']);
const deviceRulePattern = /^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$/;

/** A cpuset list (`0-2,4`) as a set of numbers; null when it is not one. */
export function parseCpuList(list: string): Set<number> | null {
  const out = new Set<number>();
  if (list.trim() === '') return out;
  for (const part of list.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return null;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) return null;
    for (let i = lo; i <= hi; i++) out.add(i);
  }
  return out;
}

function readOnline(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return fallback;
  }
}

/** The host's online CPUs and memory nodes, as the kernel lists them. */
export const hostCpuset = () => ({
  cpus: readOnline('/sys/devices/system/cpu/online', '0'),
  mems: readOnline('/sys/devices/system/node/online', '0'),
});

/** docker's cpuset checks (verifyPlatformContainerSettings). */
export function checkCpuset(cpus: string | undefined, mems: string | undefined, host = hostCpuset()): void {
  const check = (asked: string | undefined, available: string, what: 'cpus' | 'mems') => {
    if (!asked) return;
    const want = parseCpuList(asked);
    if (!want) throw invalidArgument(`Invalid value ${asked} for cpuset ${what}.`);
    const have = parseCpuList(available) ?? new Set();
    if ([...want].some((n) => !have.has(n))) {
      throw invalidArgument(`Requested ${what === 'cpus' ? 'CPUs' : 'memory nodes'} are not available - requested ${asked}, available: ${available}.`);
    }
  };
  check(cpus, host.cpus, 'cpus');
  check(mems, host.mems, 'mems');
}

const namespaceMode = (mode: string | undefined, extra: string[], what: string): void => {
  if (!mode || extra.includes(mode)) return;
  if (mode.startsWith('container:') && mode.length > 'container:'.length) return;
  throw invalidArgument(`invalid ${what} mode: ${mode}`);
};

/** runc's rules for sysctls (libcontainer/configs/validate), checked before anything is made. */
export function checkSysctls(h: ContainerSpec['host']): void {
  for (const key of Object.keys(h.sysctls ?? {})) {
    if (ipcSysctls.has(key) || key.startsWith('fs.mqueue.')) {
      if (h.ipcMode === 'host') throw invalidArgument(`sysctl "${key}" not allowed in host ipc namespace`);
      continue;
    }
    if (key.startsWith('net.')) {
      if (h.networkMode === 'host') throw invalidArgument(`sysctl "${key}" not allowed in host network namespace`);
      continue;
    }
    if (key === 'kernel.domainname' && h.utsMode !== 'host') continue;
    if (key === 'kernel.hostname') throw invalidArgument(`sysctl "${key}" is not allowed as it conflicts with the OCI "hostname" field`);
    throw invalidArgument(`sysctl "${key}" is not in a separate kernel namespace`);
  }
}

/** A host path that must be a device node: its OCI description. */
export function hostDevice(pathOnHost: string, pathInContainer: string): OciDevice {
  let st;
  try {
    st = statSync(pathOnHost);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : String(err);
    throw invalidArgument(`error gathering device information while adding custom device "${pathOnHost}": ${why}`);
  }
  if (!st.isCharacterDevice() && !st.isBlockDevice()) {
    throw invalidArgument(`error gathering device information while adding custom device "${pathOnHost}": not a device node`);
  }
  const rdev = Number(st.rdev);
  return {
    path: pathInContainer, type: st.isCharacterDevice() ? 'c' : 'b',
    major: (rdev >> 8) & 0xfff, minor: (rdev & 0xff) | ((rdev >> 12) & 0xfff00),
    fileMode: st.mode & 0o7777, uid: st.uid, gid: st.gid,
  };
}

export interface HostOptionChecks {
  /** a container by id, name or prefix, or undefined */
  findContainer(ref: string): ContainerRecord | undefined;
}

/** Everything about these fields that can be refused at create, with docker's words. */
export function checkHostOptions(spec: ContainerSpec, deps: HostOptionChecks): void {
  const h = spec.host;
  if (h.isolation && h.isolation !== 'default') throw invalidArgument(`invalid isolation: "${h.isolation}" - linux only supports 'default'`);
  if (h.runtime !== undefined && (!['crun', 'runc'].includes(h.runtime) || !findBinary(h.runtime))) {
    throw invalidArgument(`unknown or invalid runtime name: ${h.runtime}`);
  }
  namespaceMode(h.pidMode, ['host'], 'PID');
  namespaceMode(h.ipcMode, ['private', 'shareable', 'host', 'none'], 'IPC');
  // `container:<ref>` for UTS is skiff's (docker has only host): a pod's containers share its sandbox's
  namespaceMode(h.utsMode, ['host'], 'UTS');
  if (h.utsMode && spec.hostname) throw invalidArgument('Conflicting options: hostname and the UTS mode');
  for (const mode of [h.pidMode, h.ipcMode, h.utsMode]) {
    // not NotFound: the docker CLI takes a 404 from create for a missing image and tries to pull it
    if (mode?.startsWith('container:') && !deps.findContainer(mode.slice('container:'.length))) {
      throw invalidArgument(`No such container: ${mode.slice('container:'.length)}`);
    }
  }
  checkCpuset(h.cpusetCpus, h.cpusetMems);
  checkLogConfig(h.logConfig);
  checkSysctls(h);
  for (const rule of h.deviceCgroupRules ?? []) {
    if (!deviceRulePattern.test(rule)) throw invalidArgument(`invalid device cgroup format '${rule}'`);
  }
  for (const d of h.devices ?? []) {
    if (!/^[rwm]{1,3}$/.test(d.cgroupPermissions)) throw invalidArgument(`invalid device mode: ${d.cgroupPermissions}`);
    if (!d.pathInContainer.startsWith('/')) throw invalidArgument(`invalid device specification: ${d.pathOnHost}:${d.pathInContainer}`);
    hostDevice(d.pathOnHost, d.pathInContainer);
  }
  for (const g of h.groupAdd ?? []) if (!g.trim()) throw invalidArgument('invalid group: empty name');
  if (h.init && !initBinary()) throw invalidArgument('exec: "docker-init": executable file not found in $PATH (apt-get install tini)');
}

export const initBinary = (): string | undefined => initBinaryCandidates.find((p) => {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
});

/** What the OCI spec needs from the host and other containers, read at start. */
export interface ResolvedHostOptions {
  /** /proc/<pid>/ns/<type> to join, by OCI namespace type */
  joins: Record<string, string>;
  /** where /dev/shm comes from when it is the host's, or 'none' for none */
  shm?: string;
  additionalGids: number[];
  devices: OciDevice[];
  init?: string;
}

/** The container's namespace to join for `container:<ref>` (docker: the donor must be running). */
function donorPid(ref: string, what: 'PID' | 'IPC' | 'UTS', find: HostOptionChecks['findContainer']): { pid: number; rec: ContainerRecord } {
  const rec = find(ref);
  if (!rec) throw notFound(`No such container: ${ref}`);
  if (rec.state.status !== 'running' || !rec.state.pid) throw conflict(`cannot join ${what} of a non running container: ${rec.id}`);
  return { pid: rec.state.pid, rec };
}

export async function resolveHostOptions(rec: ContainerRecord, rootfs: string, find: HostOptionChecks['findContainer']): Promise<ResolvedHostOptions> {
  const h = rec.spec.host;
  const out: ResolvedHostOptions = { joins: {}, additionalGids: [], devices: [] };
  if (h.pidMode?.startsWith('container:')) out.joins.pid = `/proc/${donorPid(h.pidMode.slice(10), 'PID', find).pid}/ns/pid`;
  if (h.utsMode?.startsWith('container:')) out.joins.uts = `/proc/${donorPid(h.utsMode.slice(10), 'UTS', find).pid}/ns/uts`;
  if (h.ipcMode?.startsWith('container:')) {
    const donor = donorPid(h.ipcMode.slice(10), 'IPC', find);
    const mode = donor.rec.spec.host.ipcMode;
    if (mode !== 'shareable' && mode !== 'host') throw conflict('non-shareable IPC (hint: use IpcMode:shareable for the donor container)');
    // System V IPC is shared through the namespace; the donor's /dev/shm lives in its own mount namespace,
    // out of reach of a bind mount, so the joiner gets a /dev/shm of its own (docker shares that too)
    if (mode === 'host') out.shm = '/dev/shm';
    else out.joins.ipc = `/proc/${donor.pid}/ns/ipc`;
  } else if (h.ipcMode === 'host') out.shm = '/dev/shm';
  else if (h.ipcMode === 'none') out.shm = 'none';
  if (h.groupAdd?.length) {
    const names = h.groupAdd.filter((g) => !/^\d+$/.test(g));
    const groups = names.length ? parseGroup(await readFile(await resolveInRoot(rootfs, '/etc/group'), 'utf8').catch(() => '')) : [];
    for (const g of h.groupAdd) {
      if (/^\d+$/.test(g)) out.additionalGids.push(Number(g));
      else {
        const entry = groups.find((e) => e.name === g);
        if (!entry) throw invalidArgument(`Unable to find group ${g}: no matching entries in group file`);
        out.additionalGids.push(entry.gid);
      }
    }
  }
  for (const d of h.devices ?? []) out.devices.push(hostDevice(d.pathOnHost, d.pathInContainer));
  if (h.init) out.init = initBinary();
  return out;
}

function deviceRule(rule: string): Record<string, unknown> {
  const [, type, major, minor, access] = deviceRulePattern.exec(rule)!;
  return { allow: true, type, ...(major === '*' ? {} : { major: Number(major) }), ...(minor === '*' ? {} : { minor: Number(minor) }), access };
}

/** Apply the settings to a generated spec (namespaces, mounts, resources, process). */
export function applyHostOptions(spec: OciSpec, rec: ContainerRecord, r: ResolvedHostOptions | undefined): OciSpec {
  const h = rec.spec.host;
  const dropNs = (type: string) => (spec.linux.namespaces = spec.linux.namespaces.filter((n) => n.type !== type));
  if (h.pidMode === 'host') dropNs('pid');
  if (h.ipcMode === 'host' && !r?.joins.ipc) dropNs('ipc');
  if (h.utsMode === 'host' || r?.joins.uts) {
    if (h.utsMode === 'host') dropNs('uts');
    // no UTS namespace of its own: the runtime may not set a hostname (a joined one keeps the donor's)
    delete (spec as Partial<OciSpec>).hostname;
    delete spec.domainname;
  }
  for (const [type, path] of Object.entries(r?.joins ?? {})) {
    const n = spec.linux.namespaces.find((x) => x.type === type);
    if (n) n.path = path;
  }
  if (r?.shm) {
    spec.mounts = spec.mounts.filter((m) => m.destination !== '/dev/shm');
    if (r.shm !== 'none') spec.mounts.push({ destination: '/dev/shm', type: 'bind', source: r.shm, options: ['rbind', 'rprivate'] });
  }
  if (h.sysctls && Object.keys(h.sysctls).length) (spec.linux as Record<string, unknown>).sysctl = { ...h.sysctls };
  const cpu = { ...(spec.linux.resources.cpu as Record<string, unknown> | undefined) };
  if (h.cpusetCpus) cpu.cpus = h.cpusetCpus;
  if (h.cpusetMems) cpu.mems = h.cpusetMems;
  if (Object.keys(cpu).length) spec.linux.resources.cpu = cpu;
  const rules = [...(spec.linux.resources.devices as unknown[])];
  for (const rule of h.deviceCgroupRules ?? []) rules.push(deviceRule(rule));
  for (const [i, d] of (r?.devices ?? []).entries()) {
    spec.linux.devices = [...spec.linux.devices.filter((x) => x.path !== d.path), d];
    rules.push({ allow: true, type: d.type, major: d.major, minor: d.minor, access: h.devices![i].cgroupPermissions });
  }
  spec.linux.resources.devices = rules;
  if (r?.additionalGids.length) {
    const gids = [...new Set([...(spec.process.user.additionalGids ?? []), ...r.additionalGids])];
    spec.process.user = { ...spec.process.user, additionalGids: gids };
  }
  if (r?.init) {
    spec.process.args = [initPathInContainer, '--', ...spec.process.args];
    spec.mounts.push({ destination: initPathInContainer, type: 'bind', source: r.init, options: ['rbind', 'ro', 'rprivate'] });
  }
  return spec;
}
