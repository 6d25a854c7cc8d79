// The project's networks and volumes: created (labelled with the project and their key) before any
// container needs them, external ones only checked; removed by `down` by their labels.
import { LABEL, type NetworkConfig, type Project, type VolumeConfig } from '../types.ts';
import type { OpsContext } from './context.ts';
import { getOrUndefined, statusOf } from './docker.ts';
import { projectFilter } from './names.ts';
import { say } from './progress.ts';

/** The networks the given services join, created when missing. */
export async function ensureNetworks(ctx: OpsContext, project: Project, keys: string[]): Promise<void> {
  for (const key of keys) {
    const n = project.networks[key];
    if (!n) continue;
    const found = await getOrUndefined<{ Id: string }>(ctx.api, `/networks/${encodeURIComponent(n.name)}`);
    if (found) continue;
    if (n.external) throw new Error(`network ${n.name} declared as external, but could not be found`);
    say(ctx, 'Network', n.name, 'Creating');
    await ctx.api.json('POST', '/networks/create', { body: networkBody(project, key, n, ctx.version) });
    say(ctx, 'Network', n.name, 'Created');
  }
}

export function networkBody(project: Project, key: string, n: NetworkConfig, version: string): Record<string, unknown> {
  return {
    Name: n.name,
    Driver: n.driver ?? 'bridge',
    Options: n.driverOpts,
    Internal: n.internal,
    Attachable: n.attachable,
    EnableIPv6: n.enableIpv6,
    IPAM: n.ipam ? { Driver: n.ipam.driver ?? 'default', Config: n.ipam.config.map((c) => ({ Subnet: c.subnet, IPRange: c.ipRange, Gateway: c.gateway })) } : undefined,
    Labels: { ...n.labels, [LABEL.project]: project.name, [LABEL.network]: key, [LABEL.version]: version },
  };
}

/** The named volumes the given services mount, created when missing. */
export async function ensureVolumes(ctx: OpsContext, project: Project, keys: string[]): Promise<void> {
  for (const key of keys) {
    const v = project.volumes[key];
    if (!v) continue;
    const found = await getOrUndefined<{ Name: string }>(ctx.api, `/volumes/${encodeURIComponent(v.name)}`);
    if (found) continue;
    if (v.external) throw new Error(`external volume "${v.name}" not found`);
    say(ctx, 'Volume', `"${v.name}"`, 'Creating');
    await ctx.api.json('POST', '/volumes/create', { body: volumeBody(project, key, v, ctx.version) });
    say(ctx, 'Volume', `"${v.name}"`, 'Created');
  }
}

export function volumeBody(project: Project, key: string, v: VolumeConfig, version: string): Record<string, unknown> {
  return {
    Name: v.name,
    Driver: v.driver ?? 'local',
    DriverOpts: v.driverOpts,
    Labels: { ...v.labels, [LABEL.project]: project.name, [LABEL.volume]: key, [LABEL.version]: version },
  };
}

/** Remove the networks labelled with the project (external ones carry no such label and stay); returns how many. */
export async function removeNetworks(ctx: OpsContext, project: string): Promise<number> {
  const list = await ctx.api.json<Array<{ Id: string; Name: string }>>('GET', '/networks', { query: { filters: projectFilter(project) } });
  for (const n of list) {
    say(ctx, 'Network', n.Name, 'Removing');
    try {
      await ctx.api.json('DELETE', `/networks/${n.Id}`);
    } catch (err) {
      if (statusOf(err) !== 404) throw err; // gone meanwhile
    }
    say(ctx, 'Network', n.Name, 'Removed');
  }
  return list.length;
}

/** Remove the volumes labelled with the project (`down -v`; external volumes are not labelled); returns how many. */
export async function removeVolumes(ctx: OpsContext, project: string): Promise<number> {
  const res = await ctx.api.json<{ Volumes: Array<{ Name: string }> | null }>('GET', '/volumes', { query: { filters: projectFilter(project) } });
  for (const v of res.Volumes ?? []) {
    say(ctx, 'Volume', v.Name, 'Removing');
    try {
      await ctx.api.json('DELETE', `/volumes/${encodeURIComponent(v.Name)}`);
    } catch (err) {
      if (statusOf(err) !== 404) throw err; // gone meanwhile
    }
    say(ctx, 'Volume', v.Name, 'Removed');
  }
  return (res.Volumes ?? []).length;
}

/** The network and volume keys the services use. */
export function resourcesOf(project: Project, services: string[]): { networks: string[]; volumes: string[] } {
  const networks = new Set<string>();
  const volumes = new Set<string>();
  for (const name of services) {
    const s = project.services[name];
    for (const k of Object.keys(s.networks)) networks.add(k);
    for (const v of s.volumes) if (v.type === 'volume' && v.source !== undefined && project.volumes[v.source]) volumes.add(v.source);
  }
  return { networks: [...networks], volumes: [...volumes] };
}
