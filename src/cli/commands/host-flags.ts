// `run`/`create` flags for namespaces, devices, cpusets, sysctls, the runtime and logging, as the docker
// CLI sends them (HostConfig shapes only; the engine checks the rules).
import { badValue, type CommandSpec, type Parsed } from '../core.ts';

/** `--device /dev/x[:/dev/y][:rwm]` → docker's DeviceMapping. */
function device(spec: CommandSpec, v: string): { PathOnHost: string; PathInContainer: string; CgroupPermissions: string } {
  const parts = v.split(':');
  const perms = parts.length > 1 && /^[rwm]{1,3}$/.test(parts.at(-1)!) ? parts.pop()! : 'rwm';
  if (parts.length > 2 || !parts[0]) throw badValue(spec, 'device', v, `bad format for path: ${v}`);
  return { PathOnHost: parts[0], PathInContainer: parts[1] ?? parts[0], CgroupPermissions: perms };
}

function keyValues(spec: CommandSpec, flag: string, values: string[]): Record<string, string> | undefined {
  if (!values.length) return undefined;
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw badValue(spec, flag, v, `invalid key value pair format: ${v}`);
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

/** The HostConfig fields of these flags (absent flags send docker's empty values). */
export function hostConfigFromFlags(spec: CommandSpec, p: Parsed): Record<string, unknown> {
  const logOpts = keyValues(spec, 'log-opt', p.list('log-opt'));
  return {
    PidMode: p.str('pid') ?? '',
    UTSMode: p.str('uts') ?? '',
    IpcMode: p.str('ipc') ?? '',
    GroupAdd: p.list('group-add'),
    CpusetCpus: p.str('cpuset-cpus') ?? '',
    CpusetMems: p.str('cpuset-mems') ?? '',
    Devices: p.list('device').map((d) => device(spec, d)),
    DeviceCgroupRules: p.list('device-cgroup-rule'),
    Runtime: p.str('runtime') ?? '',
    Isolation: p.str('isolation') ?? '',
    Sysctls: keyValues(spec, 'sysctl', p.list('sysctl')),
    LogConfig: { Type: p.str('log-driver') ?? '', Config: logOpts ?? {} },
  };
}
