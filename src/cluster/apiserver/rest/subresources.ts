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

/** The autoscaling/v1 Scale of a workload. */
export function scaleOf(spec: ResourceSpec, obj: KObject): KObject {
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
    const next = cloneJson(cur);
    (next.spec as { replicas?: number }).replicas = replicas;
    return scaleOf(spec, await writeUpdate(ctx, spec, cur, rev, next, { ...opts, subresource: undefined }));
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
    const next = cloneJson(cur);
    (next.spec as { replicas?: number }).replicas = replicas;
    return scaleOf(spec, await writeUpdate(ctx, spec, cur, rev, next, { ...opts, subresource: undefined }));
  });
}
