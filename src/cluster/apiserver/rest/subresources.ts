// The subresources that are not "the same object, another part of it": pods/binding (the scheduler's write),
// pods/eviction (./eviction.ts), and scale (autoscaling/v1 Scale over spec.replicas) for the workload kinds.
import type { PatchType } from '../../client/types.ts';
import type { KObject, LabelSelector, Status } from '../../types/meta.ts';
import type { ResourceSpec } from '../../types/resource.ts';
import { labelSelectorToString } from '../../types/labels.ts';
import { badRequestError, conflictError, invalid, invalidError, required } from '../../types/status-error.ts';
import type { RestContext } from './context.ts';
import type { RestWriteOptions } from './admission.ts';
import { encode, keyOf, metaOf, timestamp } from './keys.ts';
import { readObject } from './list.ts';
import { decodePatch, retryOnConflict, writeUpdate } from './update.ts';
import { cloneJson } from '../../types/clone.ts';

interface PodCondition { type: string; status: string; lastProbeTime?: string | null; lastTransitionTime?: string; reason?: string; message?: string }

/** pods/binding: sets spec.nodeName of an unassigned pod and its PodScheduled condition. */
export async function bindPod(ctx: RestContext, spec: ResourceSpec, namespace: string | undefined, name: string, binding: KObject, opts: RestWriteOptions): Promise<Status & KObject> {
  const target = (binding as { target?: { name?: string; kind?: string } }).target;
  if (!target?.name) throw invalidError({ group: '', kind: 'Binding' }, name, [required('target.name')]);
  if (target.kind && target.kind !== 'Node') throw invalidError({ group: '', kind: 'Binding' }, name, [invalid('target.kind', target.kind, 'must be empty or \'Node\'')]);
  await retryOnConflict(spec, name, () => false, async () => {
    const { obj: cur, rev } = await readObject(ctx, spec, namespace, name);
    const podSpec = (cur.spec ?? {}) as { nodeName?: string };
    if (cur.metadata?.deletionTimestamp) throw conflictError(spec, name, `pod ${name} is being deleted, cannot be assigned to a host`);
    if (podSpec.nodeName) throw conflictError(spec, name, `pod ${name} is already assigned to node "${podSpec.nodeName}"`);
    const next = cloneJson(cur);
    (next.spec as { nodeName?: string }).nodeName = target.name;
    const ann = binding.metadata?.annotations;
    if (ann) metaOf(next).annotations = { ...next.metadata?.annotations, ...ann };
    const status = (next.status ??= {}) as { conditions?: PodCondition[] };
    const conditions = (status.conditions ??= []);
    const now = timestamp(ctx.now());
    const existing = conditions.find((c) => c.type === 'PodScheduled');
    if (existing) {
      if (existing.status !== 'True') existing.lastTransitionTime = now;
      Object.assign(existing, { status: 'True', reason: undefined, message: undefined });
      delete existing.reason;
      delete existing.message;
    } else conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now });
    ctx.patcher.trackUpdate(spec, cur, next, opts.fieldManager ?? 'unknown', ctx.now(), 'binding');
    if (opts.dryRun) return;
    await ctx.store.update(keyOf(spec, cur.metadata?.namespace, name), encode(next), rev);
  });
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
}

/** `.spec.replicas` → the value there (CRD scale paths are plain dotted paths) */
const atPath = (obj: unknown, path: string): unknown =>
  path.split('.').filter(Boolean).reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), obj);

/** sets the value at a dotted path, making the objects on the way */
function setPath(obj: KObject, path: string, value: unknown): void {
  const keys = path.split('.').filter(Boolean);
  let cur = obj as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) cur = (cur[k] && typeof cur[k] === 'object' ? cur[k] : (cur[k] = {})) as Record<string, unknown>;
  cur[keys[keys.length - 1]] = value;
}

/** A custom object's Scale, from its CRD's scale paths (the selector is a string there, as kube requires) */
function customScaleOf(spec: ResourceSpec, obj: KObject): KObject {
  const p = spec.scale!;
  const m = obj.metadata ?? {};
  const selector = p.labelSelectorPath ? atPath(obj, p.labelSelectorPath) : undefined;
  return {
    apiVersion: 'autoscaling/v1', kind: 'Scale',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: Number(atPath(obj, p.specReplicasPath) ?? 0) },
    status: { replicas: Number(atPath(obj, p.statusReplicasPath) ?? 0), ...(typeof selector === 'string' && selector ? { selector } : {}) },
  };
}

/** spec.replicas of a workload (or a custom object's specReplicasPath) set to n */
function withReplicas(spec: ResourceSpec, cur: KObject, n: number): KObject {
  const next = cloneJson(cur);
  if (spec.custom && spec.scale) setPath(next, spec.scale.specReplicasPath, n);
  else (next.spec as { replicas?: number }).replicas = n;
  return next;
}

/** The autoscaling/v1 Scale of a workload. */
export function scaleOf(spec: ResourceSpec, obj: KObject): KObject {
  if (spec.custom && spec.scale) return customScaleOf(spec, obj);
  const s = (obj.spec ?? {}) as { replicas?: number; selector?: LabelSelector | Record<string, string> };
  const st = (obj.status ?? {}) as { replicas?: number };
  let selector = '';
  if (s.selector) {
    const sel = spec.kind === 'ReplicationController' ? { matchLabels: s.selector as Record<string, string> } : (s.selector as LabelSelector);
    try { selector = labelSelectorToString(sel); } catch { selector = ''; }
  }
  const m = obj.metadata ?? {};
  return {
    apiVersion: 'autoscaling/v1', kind: 'Scale',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: s.replicas ?? 0 },
    status: { replicas: st.replicas ?? 0, ...(selector ? { selector } : {}) },
  };
}

const scaleSpec = (spec: ResourceSpec): ResourceSpec => ({
  ...spec, group: 'autoscaling', version: 'v1', kind: 'Scale', listKind: 'ScaleList', resource: spec.resource, singular: 'scale',
  subresources: [], statusSubresource: false, generation: false, defaults() {}, validate: () => [], validateUpdate: () => [],
});

function checkScale(name: string, scale: KObject): number {
  const replicas = (scale.spec as { replicas?: unknown } | undefined)?.replicas ?? 0;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas)) throw badRequestError(`spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be an integer`);
  if (replicas < 0) throw invalidError({ group: 'autoscaling', kind: 'Scale' }, name, [invalid('spec.replicas', replicas, 'must be greater than or equal to 0')]);
  return replicas;
}

/** update of …/scale: a new spec.replicas for the workload (resourceVersion, when set, must match). */
export async function updateScale(ctx: RestContext, spec: ResourceSpec, namespace: string | undefined, name: string, scale: KObject, opts: RestWriteOptions): Promise<KObject> {
  const replicas = checkScale(name, scale);
  const wanted = scale.metadata?.resourceVersion;
  return retryOnConflict(spec, name, () => !!wanted, async () => {
    const { obj: cur, rev } = await readObject(ctx, spec, namespace, name);
    if (wanted && wanted !== String(rev)) throw conflictError(spec, name);
    return scaleOf(spec, await writeUpdate(ctx, spec, cur, rev, withReplicas(spec, cur, replicas), { ...opts, subresource: undefined }));
  });
}

/** patch of …/scale: the patch applies to the Scale, then as updateScale. */
export async function patchScale(ctx: RestContext, spec: ResourceSpec, namespace: string | undefined, name: string, type: PatchType, body: string | object, opts: RestWriteOptions & { force?: boolean }): Promise<KObject> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return retryOnConflict(spec, name, () => false, async () => {
    const { obj: cur, rev } = await readObject(ctx, spec, namespace, name);
    const scale = scaleOf(spec, cur);
    const patched = type === 'apply'
      ? ctx.patcher.apply(scaleSpec(spec), scale, decodePatch(type, body) as KObject, opts.fieldManager ?? '', opts.force ?? false, ctx.now(), 'scale')
      : ctx.patcher.patch(scaleSpec(spec), scale, type, text);
    const wanted = patched.metadata?.resourceVersion;
    if (wanted && wanted !== String(rev)) throw conflictError(spec, name);
    const replicas = checkScale(name, patched);
    return scaleOf(spec, await writeUpdate(ctx, spec, cur, rev, withReplicas(spec, cur, replicas), { ...opts, subresource: undefined }));
  });
}
