// ObjectMeta validation as apimachinery's ValidateObjectMeta / ValidateObjectMetaUpdate do it: the name (by the
// kind's name rule), labels, annotations, finalizers, ownerReferences; and the fields an update may not change.
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { invalid, required, tooLong, type FieldError } from '../status-error.ts';
import { eachInvalid, isLabelValue, isQualifiedName, nonNegative, type NameCheck } from './names.ts';

const totalAnnotationSizeLimit = 256 * 1024;

export function validateLabels(labels: Record<string, string> | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    errs.push(...eachInvalid(field, k, isQualifiedName(k)));
    errs.push(...eachInvalid(field, v, typeof v === 'string' ? isLabelValue(v) : ['must be a string']));
  }
  return errs;
}

export function validateAnnotations(annotations: Record<string, string> | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    errs.push(...eachInvalid(field, k, isQualifiedName(k.toLowerCase())));
    size += Buffer.byteLength(k) + Buffer.byteLength(String(v));
  }
  if (size > totalAnnotationSizeLimit) errs.push(tooLong(field, '', totalAnnotationSizeLimit));
  return errs;
}

export function validateObjectMeta(meta: ObjectMeta | undefined, nameCheck: NameCheck, field = 'metadata'): FieldError[] {
  const m = meta ?? {};
  const errs: FieldError[] = [];
  if (m.generateName) errs.push(...eachInvalid(`${field}.generateName`, m.generateName, nameCheck(m.generateName, true)));
  if (!m.name) {
    if (!m.generateName) errs.push(required(`${field}.name`, 'name or generateName is required'));
  } else errs.push(...eachInvalid(`${field}.name`, m.name, nameCheck(m.name, false)));
  errs.push(...nonNegative(`${field}.generation`, m.generation));
  errs.push(...validateLabels(m.labels, `${field}.labels`));
  errs.push(...validateAnnotations(m.annotations, `${field}.annotations`));
  errs.push(...validateOwnerReferences(m, `${field}.ownerReferences`));
  for (const [i, f] of (m.finalizers ?? []).entries()) errs.push(...eachInvalid(`${field}.finalizers[${i}]`, f, isQualifiedName(f)));
  return errs;
}

function validateOwnerReferences(m: ObjectMeta, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const controllers: string[] = [];
  for (const r of m.ownerReferences ?? []) {
    const version = (r.apiVersion ?? '').split('/').pop() ?? '';
    if (!version) errs.push(invalid(`${field}.apiVersion`, version, 'version must not be empty'));
    if (!r.kind) errs.push(invalid(`${field}.kind`, r.kind ?? '', 'kind must not be empty'));
    if (!r.name) errs.push(invalid(`${field}.name`, r.name ?? '', 'name must not be empty'));
    if (!r.uid) errs.push(invalid(`${field}.uid`, r.uid ?? '', 'uid must not be empty'));
    if (r.controller) controllers.push(`${r.kind}/${r.name}`);
  }
  if (controllers.length > 1) {
    errs.push(invalid(field, m.ownerReferences, `Only one reference can have Controller set to true. Found "true" in references for ${controllers.join(' and ')}`));
  }
  return errs;
}

/** A field that may not change once set: `field is immutable` with the new value. */
export function immutable(field: string, next: unknown, prev: unknown): FieldError[] {
  return deepEqual(next, prev) ? [] : [invalid(field, next ?? null, 'field is immutable')];
}

export function validateObjectMetaUpdate(next: ObjectMeta | undefined, prev: ObjectMeta | undefined, field = 'metadata'): FieldError[] {
  const n = next ?? {};
  const p = prev ?? {};
  const errs: FieldError[] = [];
  errs.push(...immutable(`${field}.name`, n.name, p.name));
  errs.push(...immutable(`${field}.namespace`, n.namespace ?? '', p.namespace ?? ''));
  if (p.uid) errs.push(...immutable(`${field}.uid`, n.uid, p.uid));
  if (p.creationTimestamp) errs.push(...immutable(`${field}.creationTimestamp`, n.creationTimestamp, p.creationTimestamp));
  return errs;
}

/** Structural equality of JSON values where a missing field equals an explicit undefined. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) if (!deepEqual(ao[k], bo[k])) return false;
  return true;
}
