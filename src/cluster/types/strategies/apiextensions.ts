// apiextensions.k8s.io/v1 CustomResourceDefinition: defaults (names, conversion, storedVersions) and the
// validation of the CRD itself with kube's field paths and words (apiextensions validation.go): the name is
// plural.group, one storage version, DNS-1035 version names, names required, structural schemas (a type on
// every node, object at the root, only name/generateName under metadata), printer columns, scale paths.
import type { CustomResourceDefinition, CustomResourceDefinitionVersion } from 'kubernetes-types/apiextensions/v1.js';
import type { KObject } from '../meta.ts';
import { forbidden, invalid, notSupported, required, type FieldError } from '../status-error.ts';
import { immutable, validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import { eachInvalid, isDNS1035Label, isDNS1123Subdomain, nameIsDNSSubdomain } from './names.ts';
import type { Strategy } from './types.ts';

/** a CRD version's schema node, with the x-kubernetes-* extensions kubernetes-types leaves out */
interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode | SchemaNode[];
  additionalProperties?: SchemaNode | boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  [k: string]: unknown;
}

const columnTypes = ['boolean', 'date', 'integer', 'number', 'string'];
const columnFormats = ['byte', 'date', 'date-time', 'double', 'float', 'int32', 'int64', 'password'];
const schemaTypes = ['array', 'boolean', 'integer', 'number', 'object', 'string'];

const storageOf = (crd: CustomResourceDefinition) => crd.spec?.versions?.find((v) => v.storage)?.name;

function defaults(o: KObject): void {
  const crd = o as unknown as CustomResourceDefinition;
  const s = crd.spec;
  if (!s) return;
  const names = s.names;
  if (names?.kind) {
    names.singular ||= names.kind.toLowerCase();
    names.listKind ||= `${names.kind}List`;
  }
  s.conversion ??= { strategy: 'None' };
  // PrepareForCreate/Update: the storage version joins status.storedVersions
  const storage = storageOf(crd);
  const status = (crd.status ??= { acceptedNames: { kind: '', plural: '' }, storedVersions: [] } as never) as NonNullable<CustomResourceDefinition['status']>;
  status.storedVersions ??= [];
  if (storage && !status.storedVersions.includes(storage)) status.storedVersions.push(storage);
  if (!status.acceptedNames) status.acceptedNames = { kind: '', plural: '' };
}

function validateNames(n: CustomResourceDefinition['spec']['names'] | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!n?.plural) errs.push(required(`${field}.plural`, ''));
  else errs.push(...eachInvalid(`${field}.plural`, n.plural, isDNS1035Label(n.plural)));
  if (!n?.singular) errs.push(required(`${field}.singular`, ''));
  else errs.push(...eachInvalid(`${field}.singular`, n.singular, isDNS1035Label(n.singular)));
  if (!n?.kind) errs.push(required(`${field}.kind`, ''));
  else if (isDNS1035Label(n.kind.toLowerCase()).length) errs.push(invalid(`${field}.kind`, n.kind, 'may have mixed case, but should otherwise match: ' + isDNS1035Label(n.kind.toLowerCase()).join(',')));
  if (!n?.listKind) errs.push(required(`${field}.listKind`, ''));
  else if (n.kind && n.listKind === n.kind) errs.push(invalid(`${field}.listKind`, n.listKind, 'kind and listKind may not be the same'));
  for (const [i, s] of (n?.shortNames ?? []).entries()) errs.push(...eachInvalid(`${field}.shortNames[${i}]`, s, isDNS1035Label(s)));
  for (const [i, c] of (n?.categories ?? []).entries()) errs.push(...eachInvalid(`${field}.categories[${i}]`, c, isDNS1035Label(c)));
  return errs;
}

/** the structural-schema rules, as kube's schema/validation.go words them */
function validateSchema(s: SchemaNode, path: string, level: 'root' | 'field' | 'item', errs: FieldError[]): void {
  if (s.type !== undefined && !schemaTypes.includes(s.type)) errs.push(notSupported(`${path}.type`, s.type, schemaTypes));
  if (!s.type && !s['x-kubernetes-int-or-string'] && !(s['x-kubernetes-preserve-unknown-fields'] && level !== 'root')) {
    const why = level === 'root' ? 'must not be empty at the root' : level === 'item' ? 'must not be empty for specified array items' : 'must not be empty for specified object fields';
    errs.push(required(`${path}.type`, why));
  }
  if (level === 'root' && s.type && s.type !== 'object') errs.push(invalid(`${path}.type`, s.type, 'must be object at the root'));
  if (s['x-kubernetes-embedded-resource'] && s.type !== 'object') errs.push(s.type ? invalid(`${path}.type`, s.type, 'must be object if x-kubernetes-embedded-resource is true') : required(`${path}.type`, 'must be object if x-kubernetes-embedded-resource is true'));
  if (s.properties && s.additionalProperties !== undefined && s.additionalProperties !== false) {
    errs.push(forbidden(`${path}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'));
  }
  for (const [k, p] of Object.entries(s.properties ?? {})) {
    if (level === 'root' && k === 'metadata') validateMetadataSchema(p, `${path}.properties[metadata]`, errs);
    validateSchema(p, `${path}.properties[${k}]`, 'field', errs);
  }
  if (s.items && !Array.isArray(s.items)) validateSchema(s.items, `${path}.items`, 'item', errs);
  if (s.type === 'array' && !s.items) errs.push(required(`${path}.items`, 'must be specified'));
  if (typeof s.additionalProperties === 'object') validateSchema(s.additionalProperties, `${path}.additionalProperties`, 'field', errs);
}

/** at the root, metadata may only say something about name and generateName (both strings) */
function validateMetadataSchema(s: SchemaNode, path: string, errs: FieldError[]): void {
  for (const k of Object.keys(s.properties ?? {})) {
    if (k !== 'name' && k !== 'generateName') errs.push(forbidden(`${path}.properties[${k}]`, 'must not be specified'));
  }
  for (const k of Object.keys(s)) {
    if (!['type', 'properties', 'description'].includes(k)) errs.push(forbidden(`${path}.${k}`, 'must not be specified'));
  }
}

function validateVersion(v: CustomResourceDefinitionVersion, field: string): FieldError[] {
  const errs = eachInvalid(`${field}.name`, v.name, isDNS1035Label(v.name ?? ''));
  const schema = v.schema?.openAPIV3Schema as SchemaNode | undefined;
  if (!schema) errs.push(required(`${field}.schema.openAPIV3Schema`, 'schemas are required'));
  else validateSchema(schema, `${field}.schema.openAPIV3Schema`, 'root', errs);
  const scale = v.subresources?.scale;
  if (scale) {
    const sf = `${field}.subresources.scale`;
    if (!scale.specReplicasPath) errs.push(required(`${sf}.specReplicasPath`, ''));
    else if (!scale.specReplicasPath.startsWith('.spec.')) errs.push(invalid(`${sf}.specReplicasPath`, scale.specReplicasPath, 'should be a json path under .spec'));
    if (!scale.statusReplicasPath) errs.push(required(`${sf}.statusReplicasPath`, ''));
    else if (!scale.statusReplicasPath.startsWith('.status.')) errs.push(invalid(`${sf}.statusReplicasPath`, scale.statusReplicasPath, 'should be a json path under .status'));
    const sel = scale.labelSelectorPath;
    if (sel && !sel.startsWith('.spec.') && !sel.startsWith('.status.')) errs.push(invalid(`${sf}.labelSelectorPath`, sel, 'should be a json path under either .spec or .status'));
  }
  for (const [i, c] of (v.additionalPrinterColumns ?? []).entries()) {
    const cf = `${field}.additionalPrinterColumns[${i}]`;
    if (!c.name) errs.push(required(`${cf}.name`, ''));
    if (!c.type) errs.push(required(`${cf}.type`, `must be one of ${columnTypes.join(', ')}`));
    else if (!columnTypes.includes(c.type)) errs.push(notSupported(`${cf}.type`, c.type, columnTypes));
    if (c.format && !columnFormats.includes(c.format)) errs.push(notSupported(`${cf}.format`, c.format, columnFormats));
    if (!c.jsonPath) errs.push(required(`${cf}.jsonPath`, ''));
    if (c.priority !== undefined && c.priority < 0) errs.push(invalid(`${cf}.priority`, c.priority, 'must be greater than or equal to 0'));
  }
  return errs;
}

const APPROVAL = 'api-approved.kubernetes.io';
const protectedGroup = (g: string) => g === 'k8s.io' || g.endsWith('.k8s.io') || g === 'kubernetes.io' || g.endsWith('.kubernetes.io');

/** kube's API review rule: a CRD in a *.k8s.io / *.kubernetes.io group names its approval (a URL) or says "unapproved…" */
function validateApproval(crd: CustomResourceDefinition): FieldError[] {
  if (!protectedGroup(crd.spec?.group ?? '')) return [];
  const field = `metadata.annotations[${APPROVAL}]`;
  const v = crd.metadata?.annotations?.[APPROVAL] ?? '';
  const see = 'see https://github.com/kubernetes/enhancements/pull/1111';
  if (!v) return [required(field, `protected groups must have approval annotation "${APPROVAL}", ${see}`)];
  let host = '';
  try { host = new URL(v).host; } catch { /* not a URL: only "unapproved…" is left */ }
  if (v.startsWith('unapproved') || host) return [];
  return [invalid(field, v, `protected groups must have approval annotation "${APPROVAL}" with either a URL or a reason starting with "unapproved", ${see}`)];
}

function validateCreate(o: KObject): FieldError[] {
  return [...validate(o), ...validateApproval(o as unknown as CustomResourceDefinition)];
}

function validate(o: KObject): FieldError[] {
  const crd = o as unknown as CustomResourceDefinition;
  const s = crd.spec ?? ({} as CustomResourceDefinition['spec']);
  const wantName = `${s.names?.plural ?? ''}.${s.group ?? ''}`;
  const errs = validateObjectMeta(crd.metadata, (name, prefix) => [...nameIsDNSSubdomain(name, prefix), ...(name !== wantName ? ['must be spec.names.plural+"."+spec.group'] : [])]);
  if (!s.group) errs.push(required('spec.group', ''));
  else if (isDNS1123Subdomain(s.group).length) errs.push(invalid('spec.group', s.group, isDNS1123Subdomain(s.group).join(',')));
  else if (s.group.split('.').length < 2) errs.push(invalid('spec.group', s.group, 'should be a domain with at least one dot'));
  if (!s.scope) errs.push(required('spec.scope', ''));
  else if (s.scope !== 'Cluster' && s.scope !== 'Namespaced') errs.push(notSupported('spec.scope', s.scope, ['Cluster', 'Namespaced']));
  const versions = s.versions ?? [];
  for (const [i, v] of versions.entries()) errs.push(...validateVersion(v, `spec.versions[${i}]`));
  const names = versions.map((v) => v.name);
  const shown = `[${names.map((n) => JSON.stringify(n)).join(' ')}]`;
  if (new Set(names).size !== names.length) errs.push(invalid('spec.versions', shown, 'must contain unique version names'));
  if (versions.filter((v) => v.storage).length !== 1) errs.push(invalid('spec.versions', shown, 'must have exactly one version marked as storage version'));
  errs.push(...validateNames(s.names, 'spec.names'));
  const strategy = s.conversion?.strategy;
  if (!strategy) errs.push(required('spec.conversion.strategy', ''));
  else if (strategy !== 'None' && strategy !== 'Webhook') errs.push(notSupported('spec.conversion.strategy', strategy, ['None', 'Webhook']));
  const stored = crd.status?.storedVersions ?? [];
  for (const [i, v] of stored.entries()) if (!names.includes(v)) errs.push(invalid(`status.storedVersions[${i}]`, v, 'must appear in spec.versions'));
  return errs;
}

const established = (crd: CustomResourceDefinition) => crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;

function validateUpdate(o: KObject, old: KObject): FieldError[] {
  const crd = o as unknown as CustomResourceDefinition;
  const prev = old as unknown as CustomResourceDefinition;
  const errs = [...validateObjectMetaUpdate(crd.metadata, prev.metadata), ...validate(o)];
  if (crd.metadata?.annotations?.[APPROVAL] !== prev.metadata?.annotations?.[APPROVAL]) errs.push(...validateApproval(crd));
  if (established(prev)) {
    errs.push(...immutable('spec.scope', crd.spec?.scope, prev.spec?.scope));
    errs.push(...immutable('spec.names.kind', crd.spec?.names?.kind, prev.spec?.names?.kind));
  }
  errs.push(...immutable('spec.group', crd.spec?.group, prev.spec?.group));
  errs.push(...immutable('spec.names.plural', crd.spec?.names?.plural, prev.spec?.names?.plural));
  return errs;
}

export const crdStrategy: Strategy = { defaults, validate: validateCreate, validateUpdate };
