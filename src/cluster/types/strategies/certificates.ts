// CertificateSigningRequest (certificates.k8s.io/v1) as pkg/apis/certificates/validation checks it: the request
// must be a PEM CERTIFICATE REQUEST whose signature verifies, usages known and not repeated, a signer name of
// the form example.com/name, expirationSeconds at least 600, conditions without duplicates where Approved and
// Denied exclude each other; an update (status or approval) never removes or changes an Approved, Denied or
// Failed condition, and an issued certificate never changes.
import type { CertificateSigningRequest, CertificateSigningRequestCondition } from 'kubernetes-types/certificates/v1.js';
import type { KObject } from '../meta.ts';
import { duplicate, forbidden, invalid, notSupported, required, type FieldError } from '../status-error.ts';
import { allUsages, parseCsrPem } from '../../certificates/index.ts';
import { deepEqual, validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import type { NameCheck } from './names.ts';
import type { Strategy } from './types.ts';

type Csr = CertificateSigningRequest & KObject;

/** ValidateCertificateRequestName: any name that is a path segment */
const pathSegmentName: NameCheck = (name, prefix) => {
  if (!prefix && (name === '.' || name === '..')) return [`may not be '${name}'`];
  return ['/', '%'].filter((c) => name.includes(c)).map((c) => `may not contain '${c}'`);
};

const sortedUsages = [...allUsages].sort();
const decodeRequest = (b64: string | undefined) => Buffer.from(b64 ?? '', 'base64').toString('latin1');

function validateSignerName(name: string | undefined, field: string): FieldError[] {
  if (!name) return [required(field)];
  const segments = name.split('/');
  if (segments.length !== 2) return [invalid(field, name, "must be a fully qualified domain and path of the form 'example.com/signer-name'")];
  const errs: FieldError[] = [];
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(segments[0])) errs.push(invalid(field, segments[0], 'should be a domain with at least two segments separated by dots'));
  if (!segments[1]) errs.push(invalid(field, name, 'validating path: path may not be empty'));
  return errs;
}

const trueStatuses = ['False', 'True', 'Unknown'];

function validateConditions(conditions: CertificateSigningRequestCondition[] | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  let approved = false;
  let denied = false;
  for (const [i, c] of (conditions ?? []).entries()) {
    const cf = `${field}[${i}]`;
    if (!c.type) errs.push(required(`${cf}.type`));
    if (!trueStatuses.includes(c.status)) errs.push(notSupported(`${cf}.status`, c.status, trueStatuses));
    if (c.type === 'Approved' || c.type === 'Denied') {
      if (c.type === 'Approved') approved = true;
      else denied = true;
      if (c.status !== 'True') errs.push(notSupported(`${cf}.status`, c.status, ['True']));
    }
    if (seen.has(c.type)) errs.push(duplicate(`${cf}.type`, c.type));
    seen.add(c.type);
  }
  if (approved && denied) errs.push(invalid(field, conditions, 'Approved and Denied conditions are mutually exclusive'));
  return errs;
}

function validateCertificate(pem: string | undefined): FieldError[] {
  if (!pem) return [];
  const text = Buffer.from(pem, 'base64').toString('latin1');
  if (!/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.test(text)) {
    return [invalid('status.certificate', '<certificate data>', 'must contain at least one CERTIFICATE PEM block')];
  }
  return [];
}

export function validateCsr(csr: Csr): FieldError[] {
  const errs = validateObjectMeta(csr.metadata, pathSegmentName);
  const spec = csr.spec;
  try {
    parseCsrPem(decodeRequest(spec?.request));
  } catch (err) {
    errs.push(invalid('spec.request', spec?.request ?? '', (err as Error).message));
  }
  if (!spec?.usages?.length) errs.push(required('spec.usages'));
  const seen = new Set<string>();
  for (const [i, u] of (spec?.usages ?? []).entries()) {
    if (!allUsages.includes(u)) errs.push(notSupported(`spec.usages[${i}]`, u, sortedUsages));
    if (seen.has(u)) errs.push(duplicate(`spec.usages[${i}]`, u));
    seen.add(u);
  }
  if (spec?.expirationSeconds != null && spec.expirationSeconds < 600) {
    errs.push(invalid('spec.expirationSeconds', spec.expirationSeconds, 'may not specify a duration less than 600 seconds (10 minutes)'));
  }
  errs.push(...validateSignerName(spec?.signerName, 'spec.signerName'));
  errs.push(...validateConditions(csr.status?.conditions, 'status.conditions'));
  errs.push(...validateCertificate(csr.status?.certificate));
  return errs;
}

/** the rules every update of a CSR keeps: decided conditions stay, an issued certificate stays */
function validateCsrUpdate(csr: Csr, old: Csr): FieldError[] {
  const errs = [...validateObjectMetaUpdate(csr.metadata, old.metadata), ...validateCsr(csr)];
  const now = csr.status?.conditions ?? [];
  for (const type of ['Approved', 'Denied', 'Failed']) {
    const was = old.status?.conditions?.filter((c) => c.type === type) ?? [];
    const is = now.filter((c) => c.type === type);
    if (was.length > is.length) errs.push(forbidden('status.conditions', `updates may not remove a condition of type "${type}"`));
    else if (was.length && !was.every((c, i) => deepEqual({ ...c, lastUpdateTime: undefined }, { ...is[i], lastUpdateTime: undefined }))) {
      errs.push(forbidden('status.conditions', `updates may not modify a condition of type "${type}"`));
    }
  }
  const cert = old.status?.certificate;
  if (cert && csr.status?.certificate !== cert) errs.push(forbidden('status.certificate', 'updates may not modify existing certificate content'));
  return errs;
}

export const certificateSigningRequestStrategy: Strategy = {
  defaults() {},
  validate: (o) => validateCsr(o as Csr),
  validateUpdate: (o, old) => validateCsrUpdate(o as Csr, old as Csr),
};
