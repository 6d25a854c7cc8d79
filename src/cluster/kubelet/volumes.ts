// A pod's volumes on the node, under <root>/pods/<uid>/volumes/<plugin>/<name> as the kubelet lays them out:
// emptyDir (a directory, or a tmpfs with medium Memory), hostPath (with its type checks), configMap,
// secret, downwardAPI and projected (serviceAccountToken included: a token bound to the pod, refreshed by
// kubelet/tokens.ts) written atomically (re-written in place when their source changes), and
// persistentVolumeClaim: the bound PersistentVolume's hostPath (made when its type says so) or local path.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Container, KeyToPath, Pod, Volume, VolumeProjection } from 'kubernetes-types/core/v1.js';
import type { CriMount } from '../../engine/types/runtime.ts';
import { memoryBytes } from '../types/quantity.ts';
import { writeAtomicDir, type FileProjection } from './atomic-dir.ts';
import { formatMap, podFieldValue, resourceFieldValue, type NodeAllocatable, type SourceLookup } from './env.ts';

const run = promisify(execFile);

/** a volume that cannot be set up (event FailedMount; the pod waits in ContainerCreating) */
export class VolumeError extends Error {}

export interface PreparedVolume { hostPath: string; readOnly: boolean }

const pluginDir: Record<string, string> = { emptyDir: 'kubernetes.io~empty-dir', configMap: 'kubernetes.io~configmap', secret: 'kubernetes.io~secret', downwardAPI: 'kubernetes.io~downward-api', projected: 'kubernetes.io~projected' };

async function isMountPoint(path: string): Promise<boolean> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  return info.split('\n').some((l) => l.split(' ')[4] === path);
}

async function hostPathCheck(path: string, type: string | undefined): Promise<void> {
  const st = await stat(path).catch(() => undefined);
  const fail = (what: string) => { throw new VolumeError(`hostPath type check failed: ${path} is not a ${what}`); };
  switch (type ?? '') {
    case '': return;
    case 'DirectoryOrCreate': if (!st) await mkdir(path, { recursive: true, mode: 0o755 }); else if (!st.isDirectory()) fail('directory'); return;
    case 'FileOrCreate': if (!st) await writeFile(path, '', { mode: 0o644 }); else if (!st.isFile()) fail('file'); return;
    case 'Directory': if (!st?.isDirectory()) fail('directory'); return;
    case 'File': if (!st?.isFile()) fail('file'); return;
    case 'Socket': if (!st?.isSocket()) fail('socket'); return;
    case 'CharDevice': if (!st?.isCharacterDevice()) fail('character device'); return;
    case 'BlockDevice': if (!st?.isBlockDevice()) fail('block device'); return;
  }
}

interface Ctx { pod: Pod; lookup: SourceLookup; node: NodeAllocatable }

/** items of a configMap/secret (all keys when none are named); a missing required key fails */
function keyFiles(data: Record<string, string>, items: KeyToPath[] | undefined, defaultMode: number, what: string, optional: boolean): FileProjection[] {
  if (!items?.length) return Object.entries(data).map(([k, v]) => ({ path: k, data: Buffer.from(v), mode: defaultMode }));
  const out: FileProjection[] = [];
  for (const it of items) {
    if (!(it.key in data)) {
      if (optional) continue;
      throw new VolumeError(`configmap references non-existent config key: ${it.key} (${what})`);
    }
    out.push({ path: it.path, data: Buffer.from(data[it.key]), mode: it.mode ?? defaultMode });
  }
  return out;
}

async function sourceFiles(ctx: Ctx, kind: 'configMap' | 'secret', name: string, items: KeyToPath[] | undefined, optional: boolean, mode: number): Promise<FileProjection[]> {
  const ns = ctx.pod.metadata?.namespace ?? 'default';
  const data = kind === 'secret' ? await ctx.lookup.secret(ns, name) : await ctx.lookup.configMap(ns, name);
  if (!data) {
    if (optional) return [];
    throw new VolumeError(`${kind === 'secret' ? 'secret' : 'configmap'} "${name}" not found`);
  }
  return keyFiles(data, items, mode, `${kind} ${ns}/${name}`, optional);
}

function downwardFiles(ctx: Ctx, items: Array<{ path: string; fieldRef?: { fieldPath: string }; resourceFieldRef?: { containerName?: string; resource: string; divisor?: unknown }; mode?: number }>, mode: number): FileProjection[] {
  return items.map((it) => {
    let value = '';
    if (it.fieldRef) value = it.fieldRef.fieldPath === 'metadata.labels' ? formatMap(ctx.pod.metadata?.labels) : it.fieldRef.fieldPath === 'metadata.annotations' ? formatMap(ctx.pod.metadata?.annotations) : podFieldValue(ctx.pod, it.fieldRef.fieldPath);
    else if (it.resourceFieldRef) {
      const c = ctx.pod.spec?.containers.find((x) => x.name === it.resourceFieldRef!.containerName);
      value = resourceFieldValue(ctx.pod, c, it.resourceFieldRef.resource, it.resourceFieldRef.divisor as string | undefined, ctx.node);
    }
    return { path: it.path, data: Buffer.from(value), mode: it.mode ?? mode };
  });
}

async function projectedFiles(ctx: Ctx, sources: VolumeProjection[], mode: number): Promise<FileProjection[]> {
  const out: FileProjection[] = [];
  for (const s of sources) {
    if (s.configMap) out.push(...(await sourceFiles(ctx, 'configMap', s.configMap.name ?? '', s.configMap.items, !!s.configMap.optional, mode)));
    if (s.secret) out.push(...(await sourceFiles(ctx, 'secret', s.secret.name ?? '', s.secret.items, !!s.secret.optional, mode)));
    if (s.downwardAPI) out.push(...downwardFiles(ctx, s.downwardAPI.items ?? [], mode));
    if (s.serviceAccountToken) {
      const t = s.serviceAccountToken;
      out.push({ path: t.path, data: Buffer.from(await ctx.lookup.serviceAccountToken(ctx.pod, t.audience, t.expirationSeconds ?? 3600)), mode });
    }
    // clusterTrustBundle needs the certificates.k8s.io ClusterTrustBundle kind: not served
  }
  return out;
}

/** a claim's volume: node-local PersistentVolumes only (hostPath, local), as the local-path provisioner makes them */
async function claimVolume(ctx: Ctx, claimName: string, readOnly: boolean): Promise<PreparedVolume> {
  const pv = await ctx.lookup.claimedVolume(ctx.pod.metadata?.namespace ?? 'default', claimName);
  const s = pv.spec ?? {};
  if (s.hostPath) {
    await hostPathCheck(s.hostPath.path, s.hostPath.type);
    return { hostPath: s.hostPath.path, readOnly };
  }
  if (s.local) {
    if (!(await stat(s.local.path).catch(() => undefined))) throw new VolumeError(`path "${s.local.path}" does not exist`);
    return { hostPath: s.local.path, readOnly };
  }
  throw new VolumeError(`volume "${pv.metadata?.name}" is neither hostPath nor local: skiff's kubelet mounts node-local PersistentVolumes only`);
}

async function prepareOne(v: Volume, podDir: string, ctx: Ctx): Promise<PreparedVolume | undefined> {
  const dirOf = (plugin: string) => join(podDir, 'volumes', pluginDir[plugin], v.name);
  if (v.persistentVolumeClaim) return claimVolume(ctx, v.persistentVolumeClaim.claimName, !!v.persistentVolumeClaim.readOnly);
  if (v.hostPath) {
    await hostPathCheck(v.hostPath.path, v.hostPath.type);
    return { hostPath: v.hostPath.path, readOnly: false };
  }
  if (v.emptyDir) {
    const dir = dirOf('emptyDir');
    await mkdir(dir, { recursive: true, mode: 0o777 });
    if (v.emptyDir.medium === 'Memory' && !(await isMountPoint(dir))) {
      const size = v.emptyDir.sizeLimit ? `,size=${memoryBytes(v.emptyDir.sizeLimit)}` : '';
      await run('mount', ['-t', 'tmpfs', '-o', `mode=0777${size}`, 'tmpfs', dir]);
    }
    return { hostPath: dir, readOnly: false };
  }
  let files: FileProjection[] | undefined;
  let plugin = '';
  if (v.configMap) { plugin = 'configMap'; files = await sourceFiles(ctx, 'configMap', v.configMap.name ?? '', v.configMap.items, !!v.configMap.optional, v.configMap.defaultMode ?? 0o644); }
  else if (v.secret) { plugin = 'secret'; files = await sourceFiles(ctx, 'secret', v.secret.secretName ?? '', v.secret.items, !!v.secret.optional, v.secret.defaultMode ?? 0o644); }
  else if (v.downwardAPI) { plugin = 'downwardAPI'; files = downwardFiles(ctx, v.downwardAPI.items ?? [], v.downwardAPI.defaultMode ?? 0o644); }
  else if (v.projected) { plugin = 'projected'; files = await projectedFiles(ctx, v.projected.sources ?? [], v.projected.defaultMode ?? 0o644); }
  if (!files) return undefined;
  const dir = dirOf(plugin);
  await writeAtomicDir(dir, files);
  return { hostPath: dir, readOnly: true };
}

/** sets up (or refreshes) every volume of the pod; throws VolumeError with the kubelet's FailedMount text */
export async function prepareVolumes(pod: Pod, podDir: string, lookup: SourceLookup, node: NodeAllocatable): Promise<Map<string, PreparedVolume>> {
  const out = new Map<string, PreparedVolume>();
  for (const v of pod.spec?.volumes ?? []) {
    try {
      const p = await prepareOne(v, podDir, { pod, lookup, node });
      if (p) out.set(v.name, p);
    } catch (err) {
      throw new VolumeError(`MountVolume.SetUp failed for volume "${v.name}" : ${(err as Error).message}`, { cause: err });
    }
  }
  return out;
}

/** the container's mounts: its volumeMounts (subPath included) plus the pod's /etc/hosts */
export function containerMounts(c: Container, vols: Map<string, PreparedVolume>, etcHosts: string | undefined): CriMount[] {
  const mounts: CriMount[] = [];
  for (const m of c.volumeMounts ?? []) {
    const v = vols.get(m.name);
    if (!v) throw new VolumeError(`volume "${m.name}" is not prepared (unsupported volume type)`);
    mounts.push({ containerPath: m.mountPath, hostPath: m.subPath ? join(v.hostPath, m.subPath) : v.hostPath, readonly: v.readOnly || !!m.readOnly, propagation: 'PROPAGATION_PRIVATE' });
  }
  if (etcHosts && !mounts.some((m) => m.containerPath === '/etc/hosts')) mounts.push({ containerPath: '/etc/hosts', hostPath: etcHosts, readonly: false });
  return mounts;
}

/** unmounts the pod's tmpfs volumes and removes its directory */
export async function removePodDir(podDir: string): Promise<void> {
  const base = join(podDir, 'volumes', pluginDir.emptyDir);
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  for (const line of info.split('\n')) {
    const mp = line.split(' ')[4];
    if (mp?.startsWith(base + '/')) await run('umount', [mp]);
  }
  await rm(podDir, { recursive: true, force: true });
}

/** the kubelet-managed /etc/hosts of a pod (hostNetwork pods get none: the node's is used) */
export async function writeEtcHosts(podDir: string, pod: Pod, podIP: string, clusterDomain = 'cluster.local'): Promise<string> {
  const hostname = pod.spec?.hostname ?? pod.metadata?.name ?? '';
  const fqdn = pod.spec?.subdomain ? `${hostname}.${pod.spec.subdomain}.${pod.metadata?.namespace}.svc.${clusterDomain}\t` : '';
  const lines = ['# Kubernetes-managed hosts file.', '127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', 'fe00::0\tip6-localnet', 'fe00::0\tip6-mcastprefix', 'fe00::1\tip6-allnodes', 'fe00::2\tip6-allrouters'];
  if (podIP) lines.push(`${podIP}\t${fqdn}${hostname}`);
  for (const h of pod.spec?.hostAliases ?? []) lines.push(`\n# Entries added by HostAliases.\n${h.ip}\t${(h.hostnames ?? []).join('\t')}`);
  const path = join(podDir, 'etc-hosts');
  const text = lines.join('\n') + '\n';
  // every sync comes here: the file (mounted in the running containers) is rewritten only when it changes
  if ((await readFile(path, 'utf8').catch(() => undefined)) === text) return path;
  await mkdir(podDir, { recursive: true });
  await writeFile(path, text, { mode: 0o644 });
  return path;
}
