// HostConfig fields beyond the basics (PidMode, IpcMode, Devices, Sysctls, LogConfig, …): their JSON
// shapes read into typed values. The rules (which modes, which sysctls, which drivers) are the engine's.
import type { DeviceMapping, FidelityHostOptions, LogConfig } from '../types.ts';
import { invalidArgument } from '../../lib/errors.ts';
import { nonEmptyList, nonEmptyMap, optObject, optString, optStringMap, optStrings, type Json } from './json-fields.ts';


const str = optString;
const strs = (v: unknown, field: string): string[] | undefined => nonEmptyList(optStrings(v, field));
const obj = optObject;
const strMap = (v: unknown, field: string): Record<string, string> | undefined => nonEmptyMap(optStringMap(v, field));
const nonEmpty = (s: string | undefined) => (s ? s : undefined);

function devices(v: unknown): DeviceMapping[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw invalidArgument('Devices: expected an array');
  const out = v.map((d, i) => {
    const o = obj(d, `Devices[${i}]`) ?? {};
    const pathOnHost = str(o.PathOnHost, 'Devices[].PathOnHost') ?? '';
    if (!pathOnHost) throw invalidArgument('Devices[].PathOnHost: a device path is required');
    return {
      pathOnHost,
      pathInContainer: nonEmpty(str(o.PathInContainer, 'Devices[].PathInContainer')) ?? pathOnHost,
      cgroupPermissions: nonEmpty(str(o.CgroupPermissions, 'Devices[].CgroupPermissions')) ?? 'rwm',
    };
  });
  return out.length ? out : undefined;
}

function logConfig(v: unknown): LogConfig | undefined {
  const o = obj(v, 'LogConfig');
  if (!o) return undefined;
  const type = str(o.Type, 'LogConfig.Type') ?? '';
  const config = strMap(o.Config, 'LogConfig.Config') ?? {};
  // an empty type is the daemon's default driver, with whatever options came along
  if (!type && !Object.keys(config).length) return undefined;
  return { type: type || 'json-file', config };
}

/** The fields of `FidelityHostOptions` from a create body's HostConfig (absent ones stay absent). */
export function hostOptionsFromDocker(hc: Json): FidelityHostOptions {
  const out: FidelityHostOptions = {
    pidMode: nonEmpty(str(hc.PidMode, 'PidMode')),
    utsMode: nonEmpty(str(hc.UTSMode, 'UTSMode')),
    ipcMode: nonEmpty(str(hc.IpcMode, 'IpcMode')),
    groupAdd: strs(hc.GroupAdd, 'GroupAdd'),
    cpusetCpus: nonEmpty(str(hc.CpusetCpus, 'CpusetCpus')),
    cpusetMems: nonEmpty(str(hc.CpusetMems, 'CpusetMems')),
    deviceCgroupRules: strs(hc.DeviceCgroupRules, 'DeviceCgroupRules'),
    devices: devices(hc.Devices),
    runtime: nonEmpty(str(hc.Runtime, 'Runtime')),
    sysctls: strMap(hc.Sysctls, 'Sysctls'),
    isolation: nonEmpty(str(hc.Isolation, 'Isolation')),
    logConfig: logConfig(hc.LogConfig),
  };
  for (const k of Object.keys(out) as Array<keyof FidelityHostOptions>) if (out[k] === undefined) delete out[k];
  return out;
}

/** The same fields as `docker inspect` shows them under HostConfig (docker's defaults when unset). */
export function hostConfigOfOptions(h: FidelityHostOptions): Json {
  return {
    PidMode: h.pidMode ?? '',
    UTSMode: h.utsMode ?? '',
    IpcMode: h.ipcMode ?? 'private',
    GroupAdd: h.groupAdd ?? null,
    CpusetCpus: h.cpusetCpus ?? '',
    CpusetMems: h.cpusetMems ?? '',
    DeviceCgroupRules: h.deviceCgroupRules ?? null,
    Devices: (h.devices ?? []).map((d) => ({ PathOnHost: d.pathOnHost, PathInContainer: d.pathInContainer, CgroupPermissions: d.cgroupPermissions })),
    Isolation: h.isolation ?? '',
    LogConfig: { Type: h.logConfig?.type ?? 'json-file', Config: h.logConfig?.config ?? {} },
    ...(h.sysctls ? { Sysctls: h.sysctls } : {}),
    ...(h.runtime ? { Runtime: h.runtime } : {}),
  };
}
