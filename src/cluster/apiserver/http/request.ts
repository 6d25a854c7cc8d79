// Request input, validated once at the edge: the body (JSON or YAML, size-capped), and the query parameters
// as the ApiClient's option objects. Errors are worded as kube-apiserver words them.
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import type { DeleteOptions, ListOptions, PatchType, WatchOptions, WriteOptions } from '../../client/types.ts';
import { patchContentTypes } from '../../client/types.ts';
import type { KObject } from '../../types/meta.ts';
import { badRequestError, invalidError, make413, notSupported, unsupportedMediaTypeError } from './errors.ts';
import { parseFieldSelector, parseLabelSelector } from '../../types/labels.ts';
import { decodeProtobufObject, isProtobufBody, protobufMediaType } from '../protobuf/index.ts';

/** kube-apiserver's default request body limit (3 MiB) */
const maxBodyBytes = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) throw make413();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** the media type without parameters: `application/json; charset=utf-8` → `application/json` */
export const mediaType = (header: string | undefined): string => (header ?? '').split(';')[0].trim().toLowerCase();

const summarize = (body: Buffer) => {
  const s = body.toString('utf8');
  return s.length > 30 ? `${s.slice(0, 30)} ...` : s;
};

/** A create/update body: JSON (the default) or YAML, which must be an object. `kind` names the expected type for messages. */
export function decodeObject(body: Buffer, contentType: string | undefined, kind: string): KObject {
  const type = mediaType(contentType) || 'application/json';
  let value: unknown;
  if (type === 'application/json' || type === '*/*') {
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch (err) {
      throw badRequestError(`the object provided is unrecognized (must be of type ${kind}): couldn't get version/kind; json parse error: ${(err as Error).message} (${summarize(body)})`);
    }
  } else if (type === 'application/yaml') {
    try {
      value = parseYaml(body.toString('utf8'));
    } catch (err) {
      throw badRequestError(`the object provided is unrecognized (must be of type ${kind}): couldn't get version/kind; yaml parse error: ${(err as Error).message.split('\n')[0]} (${summarize(body)})`);
    }
  } else if (type === protobufMediaType) {
    value = decodeProtobufObject(body); // kubectl's typed clients send protobuf and never retry with JSON
  } else {
    throw unsupportedMediaTypeError(`the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, ${protobufMediaType}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequestError(`the object provided is unrecognized (must be of type ${kind}): couldn't get version/kind; json parse error: expected an object (${summarize(body)})`);
  }
  return value as KObject;
}

/** The patch type a PATCH's Content-Type names; anything else → 415 as kube words it */
export function patchTypeOf(contentType: string | undefined): PatchType {
  const type = mediaType(contentType);
  for (const [name, media] of Object.entries(patchContentTypes)) if (media === type) return name as PatchType;
  throw unsupportedMediaTypeError(`the body of the request was in an unknown format - accepted media types include: ${Object.values(patchContentTypes).join(', ')}`);
}

/** A server-side apply body: YAML (JSON is YAML too) */
export function decodeApplyPatch(body: Buffer): KObject {
  let value: unknown;
  try {
    value = parseYaml(body.toString('utf8'));
  } catch (err) {
    throw badRequestError(`error decoding YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequestError('error decoding YAML: the apply configuration must be an object');
  return value as KObject;
}

const truthy = (v: string | null) => v === 'true' || v === '1' || v === 't' || v === 'True' || v === 'TRUE';

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw badRequestError(`invalid value for ${name}: strconv.ParseInt: parsing "${v}": invalid syntax`);
  return Number(v);
}

export const wantsWatch = (q: URLSearchParams): boolean => truthy(q.get('watch'));

/** Validates selectors up front so a bad one is a 400 answer, not an event in a stream */
function selectors(q: URLSearchParams): { labelSelector?: string; fieldSelector?: string } {
  const labelSelector = q.get('labelSelector') ?? undefined;
  const fieldSelector = q.get('fieldSelector') ?? undefined;
  if (labelSelector) parseLabelSelector(labelSelector);
  if (fieldSelector) parseFieldSelector(fieldSelector);
  return { ...(labelSelector ? { labelSelector } : {}), ...(fieldSelector ? { fieldSelector } : {}) };
}

export function listOptions(q: URLSearchParams): ListOptions {
  const match = q.get('resourceVersionMatch') ?? undefined;
  if (match !== undefined && match !== '' && match !== 'NotOlderThan' && match !== 'Exact') {
    throw invalidError({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', [notSupported('resourceVersionMatch', match, ['Exact', 'NotOlderThan'])]);
  }
  const limit = intParam(q, 'limit');
  return {
    ...selectors(q),
    ...(limit !== undefined && limit > 0 ? { limit } : {}),
    ...(q.get('continue') ? { continue: q.get('continue')! } : {}),
    ...(q.has('resourceVersion') ? { resourceVersion: q.get('resourceVersion')! } : {}),
    ...(match ? { resourceVersionMatch: match as ListOptions['resourceVersionMatch'] } : {}),
  };
}

export function watchOptions(q: URLSearchParams, name?: string): WatchOptions {
  const sel = selectors(q);
  if (name !== undefined) sel.fieldSelector = [`metadata.name=${name}`, ...(sel.fieldSelector ? [sel.fieldSelector] : [])].join(',');
  const timeoutSeconds = intParam(q, 'timeoutSeconds');
  return {
    ...sel,
    ...(q.has('resourceVersion') ? { resourceVersion: q.get('resourceVersion')! } : {}),
    ...(truthy(q.get('allowWatchBookmarks')) ? { allowWatchBookmarks: true } : {}),
    ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
    ...(q.has('sendInitialEvents') ? { sendInitialEvents: truthy(q.get('sendInitialEvents')) } : {}),
  };
}

function dryRunOf(values: string[], kind: string): boolean {
  for (const v of values) if (v !== 'All') throw invalidError({ group: 'meta.k8s.io', kind }, '', [notSupported('dryRun', values, ['All'])]);
  return values.length > 0;
}

/**
 * Write options, plus `warnings`: the REST layer pushes field-validation warnings (fieldValidation=Warn) to it
 * and the handler sends each as a `Warning: 299 - "…"` header.
 */
export type HttpWriteOptions = WriteOptions & { warnings: string[] };

export function writeOptions(q: URLSearchParams, userAgent: string | undefined, kind: string, isApply = false): HttpWriteOptions {
  const fieldValidation = q.get('fieldValidation') ?? undefined;
  if (fieldValidation && fieldValidation !== 'Ignore' && fieldValidation !== 'Warn' && fieldValidation !== 'Strict') {
    throw invalidError({ group: 'meta.k8s.io', kind }, '', [notSupported('fieldValidation', fieldValidation, ['Ignore', 'Strict', 'Warn'])]);
  }
  // kube defaults the manager of a non-apply write to the User-Agent's product (`kubectl`, `curl`)
  const fieldManager = q.get('fieldManager') || (isApply ? undefined : (userAgent ?? '').split('/')[0].slice(0, 128) || undefined);
  return {
    warnings: [],
    ...(dryRunOf(q.getAll('dryRun'), kind) ? { dryRun: true } : {}),
    ...(fieldManager ? { fieldManager } : {}),
    ...(fieldValidation ? { fieldValidation: fieldValidation as WriteOptions['fieldValidation'] } : {}),
  };
}

/** DeleteOptions from the body (a meta/v1 DeleteOptions, possibly empty) and the query, the query winning */
export function deleteOptions(q: URLSearchParams, body: Buffer): DeleteOptions {
  let fromBody: Record<string, unknown> = {};
  if (isProtobufBody(body)) {
    fromBody = decodeProtobufObject(body) as Record<string, unknown>; // typed clients' Delete sends protobuf
  } else if (body.length && body.toString('utf8').trim()) {
    try {
      fromBody = JSON.parse(body.toString('utf8'));
    } catch (err) {
      throw badRequestError(`the object provided is unrecognized (must be of type DeleteOptions): couldn't get version/kind; json parse error: ${(err as Error).message} (${summarize(body)})`);
    }
  }
  const grace = intParam(q, 'gracePeriodSeconds') ?? (typeof fromBody.gracePeriodSeconds === 'number' ? fromBody.gracePeriodSeconds : undefined);
  let policy = q.get('propagationPolicy') ?? (fromBody.propagationPolicy as string | undefined);
  const orphan = q.has('orphanDependents') ? truthy(q.get('orphanDependents')) : (fromBody.orphanDependents as boolean | undefined);
  if (policy === undefined && orphan !== undefined) policy = orphan ? 'Orphan' : 'Background';
  if (policy !== undefined && policy !== 'Orphan' && policy !== 'Background' && policy !== 'Foreground') {
    throw invalidError({ group: 'meta.k8s.io', kind: 'DeleteOptions' }, '', [notSupported('propagationPolicy', policy, ['Foreground', 'Background', 'Orphan'])]);
  }
  const dryRun = q.getAll('dryRun').length ? q.getAll('dryRun') : ((fromBody.dryRun as string[] | undefined) ?? []);
  const pre = fromBody.preconditions as DeleteOptions['preconditions'] | undefined;
  return {
    ...(dryRunOf(dryRun, 'DeleteOptions') ? { dryRun: true } : {}),
    ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}),
    ...(policy ? { propagationPolicy: policy as DeleteOptions['propagationPolicy'] } : {}),
    ...(pre && (pre.uid || pre.resourceVersion) ? { preconditions: pre } : {}),
  };
}
