// A CustomResourceDefinition as the ResourceSpecs it serves: one per served version, the storage version
// plain, every other one converted to and from it (conversion None: only apiVersion changes, as kube's
// nopConverter). Each version prunes, defaults and validates by its own schema.
import type { KObject } from '../../types/meta.ts';
import type { PrinterColumn, ResourceSpec, Subresource } from '../../types/resource.ts';
import type { FieldError } from '../../types/status-error.ts';
import { nameIsDNSSubdomain, validateObjectMeta } from '../../types/strategies/index.ts';
import { validateObjectMetaUpdate } from '../../types/strategies/metadata.ts';
import type { CustomResourceDefinition, CustomResourceDefinitionVersion, Schema } from './types.ts';
import { applyDefaults, prune } from './structural.ts';
import { validateValue } from './validate.ts';

/** a selectable field's value (a scalar at a dotted path), as its string */
const fieldAt = (jsonPath: string) => (o: KObject): string | undefined => {
  let v: unknown = o;
  for (const k of jsonPath.split('.').filter(Boolean)) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v === undefined || v === null || typeof v === 'object' ? undefined : String(v);
};

const allVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** kube's version priority: GA > beta > alpha, higher numbers first, then other names alphabetically */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return { kind: 3, major: 0, minor: 0 };
    return { kind: m[2] === undefined ? 0 : m[2] === 'beta' ? 1 : 2, major: Number(m[1]), minor: Number(m[3] ?? 0) };
  };
  const x = parse(a);
  const y = parse(b);
  if (x.kind !== y.kind) return x.kind - y.kind;
  if (x.kind === 3) return a < b ? -1 : a > b ? 1 : 0;
  return y.major - x.major || y.minor - x.minor;
}

/** The served versions' specs, in kube's version priority (discovery's preferred version first). */
export function specsOf(crd: CustomResourceDefinition): ResourceSpec[] {
  const terminating = !!crd.metadata?.deletionTimestamp;
  const s = crd.spec;
  const storage = s.versions.find((v) => v.storage)?.name;
  if (!storage) return [];
  const served = s.versions.filter((v) => v.served).sort((a, b) => compareVersions(a.name, b.name));
  return served.map((v) => ({ ...versionSpec(crd, v, storage), ...(terminating ? { terminating } : {}) }));
}

function versionSpec(crd: CustomResourceDefinition, v: CustomResourceDefinitionVersion, storage: string): ResourceSpec {
  const s = crd.spec;
  const names = s.names;
  const schema = (v.schema?.openAPIV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }) as Schema;
  const subs = v.subresources ?? {};
  const subresources: Subresource[] = [...(subs.status ? ['status' as const] : []), ...(subs.scale ? ['scale' as const] : [])];
  const validate = (o: KObject): FieldError[] => {
    const errs = validateObjectMeta(o.metadata, nameIsDNSSubdomain);
    validateValue(schema, o, '', errs);
    return errs;
  };
  const apiVersion = (version: string) => `${s.group}/${version}`;
  return {
    group: s.group,
    version: v.name,
    kind: names.kind,
    listKind: names.listKind ?? `${names.kind}List`,
    resource: names.plural,
    singular: names.singular ?? names.kind.toLowerCase(),
    namespaced: s.scope === 'Namespaced',
    ...(names.shortNames?.length ? { shortNames: names.shortNames } : {}),
    ...(names.categories?.length ? { categories: names.categories } : {}),
    subresources,
    verbs: allVerbs,
    statusSubresource: subs.status !== undefined,
    generation: true,
    ...(subs.scale ? {
      scale: {
        specReplicasPath: subs.scale.specReplicasPath,
        statusReplicasPath: subs.scale.statusReplicasPath,
        labelSelectorPath: subs.scale.labelSelectorPath ?? '',
      },
    } : {}),
    defaults(o) {
      prune(schema, o, true);
      applyDefaults(schema, o);
    },
    validate,
    validateUpdate: (o, old) => [...validateObjectMetaUpdate(o.metadata, old.metadata), ...validate(o)],
    custom: true,
    ...(v.selectableFields?.length ? { selectableFields: Object.fromEntries(v.selectableFields.map((f) => [f.jsonPath.replace(/^\./, ''), fieldAt(f.jsonPath)])) } : {}),
    columns: (v.additionalPrinterColumns ?? []) as PrinterColumn[],
    openAPIV3Schema: schema,
    ...(v.name !== storage ? {
      conversion: {
        storageVersion: storage,
        toStorage: (o: KObject) => ({ ...o, apiVersion: apiVersion(storage) }),
        fromStorage: (o: KObject) => ({ ...o, apiVersion: apiVersion(v.name) }),
      },
    } : {}),
  };
}
