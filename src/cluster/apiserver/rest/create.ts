// create: admission, allocation (Services), managedFields, then one store create; generateName retries on a
// name collision, as kube-apiserver does.
import { StoreError } from '../../store/types.ts';
import type { KObject } from '../../types/meta.ts';
import type { ResourceSpec } from '../../types/resource.ts';
import { alreadyExistsError } from '../../types/status-error.ts';
import type { RestContext } from './context.ts';
import { checkNamespace, checkUnknownFields, placeObject, podQOSClass, prepareCreate, requireName, validateCreate, type RestWriteOptions } from './admission.ts';
import { encodeAs, keyOf, metaOf, randomSuffix, storeFailure } from './keys.ts';
import type { Reservation } from './allocators.ts';
import { cloneJson } from '../../types/clone.ts';
import { defaultIngressClass } from './ingress-class.ts';
import { admitStorage } from './storage.ts';
import { admit, validateAdmission } from '../admission/index.ts';
import { fillCsrRequester, isCsr } from './certificates.ts';

const GENERATE_NAME_ATTEMPTS = 8;

export const isService = (spec: ResourceSpec): boolean => spec.group === '' && spec.kind === 'Service';

/**
 * Creates obj (not mutated). `applied`: the object came from server-side apply, which already recorded its
 * managedFields (so no trackUpdate).
 */
export async function createObject(ctx: RestContext, spec: ResourceSpec, namespace: string | undefined, input: KObject, opts: RestWriteOptions, applied = false): Promise<KObject> {
  const obj = cloneJson(input);
  checkUnknownFields(ctx, spec, obj, opts);
  const ns = placeObject(spec, namespace, obj);
  requireName(spec, obj);
  let meta = metaOf(obj);
  const generated = !meta.name;
  if (generated) meta.name = meta.generateName + randomSuffix();
  if (ns !== undefined) await checkNamespace(ctx, spec, ns, meta.name!);
  await defaultIngressClass(ctx, spec, obj);
  if (spec.group === '' && spec.kind.startsWith('Persistent')) await admitStorage(ctx, spec, obj);
  if (isCsr(spec)) fillCsrRequester(obj, opts.user);
  prepareCreate(ctx, spec, obj);
  const review = { operation: 'CREATE' as const, spec, subresource: opts.subresource, namespace: ns, name: metaOf(obj).name!, object: obj, user: opts.user, dryRun: opts.dryRun === true };
  await admit(ctx.admission, review);
  // as kube, where mutating admission runs before PrepareForCreate: the QoS class of what admission made (LimitRanger defaults)
  if (spec.group === '' && spec.kind === 'Pod') obj.status = { ...(obj.status as object), qosClass: podQOSClass(obj) };
  meta = metaOf(obj); // defaulting and admission may have replaced the metadata object
  validateCreate(spec, obj);
  await validateAdmission(ctx.admission, review);
  const reservation: Reservation | undefined = isService(spec) ? ctx.allocators.reserve(obj, undefined) : undefined;
  try {
    if (!applied) ctx.patcher.trackUpdate(spec, undefined, obj, opts.fieldManager ?? 'unknown', ctx.now(), opts.subresource);
    meta = metaOf(obj); // as may tracking
    if (opts.dryRun) {
      reservation?.rollback();
      return obj;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const kv = await ctx.store.create(keyOf(spec, ns, meta.name!), encodeAs(spec, obj));
        meta.resourceVersion = String(kv.modRevision);
        reservation?.commit();
        return obj;
      } catch (err) {
        if (err instanceof StoreError && err.code === 'exists') {
          if (generated && attempt < GENERATE_NAME_ATTEMPTS) {
            meta.name = meta.generateName + randomSuffix();
            continue;
          }
          throw alreadyExistsError(spec, meta.name!);
        }
        throw storeFailure(err, spec, meta.name!);
      }
    }
  } catch (err) {
    reservation?.rollback();
    throw err;
  }
}
