// Ingress and IngressClass (networking.k8s.io/v1) and Lease
// (coordination.k8s.io/v1): defaults and validation as their Kubernetes packages do them.
import type { HTTPIngressPath, Ingress, IngressBackend, IngressClass } from 'kubernetes-types/networking/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { KObject } from '../meta.ts';
import { invalid, notSupported, required, type FieldError } from '../status-error.ts';
import { eachInvalid, isDNS1035Label, isDNS1123Subdomain, isValidPortName, isValidPortNum, nameIsDNSSubdomain } from './names.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import type { Strategy } from './types.ts';

const withUpdate = (validate: (o: KObject) => FieldError[]): Strategy['validateUpdate'] => (o, old) => [...validateObjectMetaUpdate(o.metadata, old.metadata), ...validate(o)];

function validateBackend(b: IngressBackend, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (b.service && b.resource) return [invalid(field, b, 'cannot set both `resource` and `service` backends')];
  if (!b.service && !b.resource) return [invalid(field, b, 'one of `resource` or `service` backends must be specified')];
  if (b.service) {
    const sf = `${field}.service`;
    if (!b.service.name) errs.push(required(`${sf}.name`));
    else errs.push(...eachInvalid(`${sf}.name`, b.service.name, isDNS1035Label(b.service.name)));
    const port = b.service.port ?? {};
    if (port.name && port.number) errs.push(invalid(`${sf}.port`, port, 'cannot set both port name & port number'));
    else if (port.name) errs.push(...eachInvalid(`${sf}.port.name`, port.name, isValidPortName(port.name)));
    else if (port.number) errs.push(...eachInvalid(`${sf}.port.number`, port.number, isValidPortNum(port.number)));
    else errs.push(required(`${sf}.port`, 'port name or number is required'));
  }
  return errs;
}

const pathTypes = ['Exact', 'ImplementationSpecific', 'Prefix'];

function validatePath(p: HTTPIngressPath, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!p.pathType) errs.push(required(`${field}.pathType`, 'pathType must be specified'));
  else if (!pathTypes.includes(p.pathType)) errs.push(notSupported(`${field}.pathType`, p.pathType, pathTypes));
  if ((p.pathType === 'Exact' || p.pathType === 'Prefix') && !(p.path ?? '').startsWith('/')) errs.push(invalid(`${field}.path`, p.path ?? '', 'must be an absolute path'));
  if (p.pathType === 'ImplementationSpecific' && p.path && !p.path.startsWith('/')) errs.push(invalid(`${field}.path`, p.path, 'must be an absolute path'));
  errs.push(...validateBackend(p.backend, `${field}.backend`));
  return errs;
}

function validateIngress(o: KObject): FieldError[] {
  const ing = o as Ingress;
  const errs = validateObjectMeta(ing.metadata, nameIsDNSSubdomain);
  const s = ing.spec;
  if (!s) return [...errs, required('spec')];
  if (!s.defaultBackend && !s.rules?.length) errs.push(invalid('spec', s, 'either `defaultBackend` or `rules` must be specified'));
  if (s.defaultBackend) errs.push(...validateBackend(s.defaultBackend, 'spec.defaultBackend'));
  if (s.ingressClassName) errs.push(...eachInvalid('spec.ingressClassName', s.ingressClassName, isDNS1123Subdomain(s.ingressClassName)));
  for (const [i, r] of (s.rules ?? []).entries()) {
    const rf = `spec.rules[${i}]`;
    if (r.host) {
      if (/^\d+\.\d+\.\d+\.\d+$/.test(r.host)) errs.push(invalid(`${rf}.host`, r.host, 'must be a DNS name, not an IP address'));
      const host = r.host.startsWith('*.') ? r.host.slice(2) : r.host;
      errs.push(...eachInvalid(`${rf}.host`, r.host, isDNS1123Subdomain(host)));
    }
    if (r.http && !r.http.paths?.length) errs.push(required(`${rf}.http.paths`));
    for (const [j, p] of (r.http?.paths ?? []).entries()) errs.push(...validatePath(p, `${rf}.http.paths[${j}]`));
  }
  for (const [i, t] of (s.tls ?? []).entries()) {
    for (const [j, h] of (t.hosts ?? []).entries()) {
      errs.push(...eachInvalid(`spec.tls[${i}].hosts[${j}]`, h, isDNS1123Subdomain(h.startsWith('*.') ? h.slice(2) : h)));
    }
  }
  return errs;
}

export const ingressStrategy: Strategy = { defaults() {}, validate: validateIngress, validateUpdate: withUpdate(validateIngress) };

function validateIngressClass(o: KObject): FieldError[] {
  const ic = o as IngressClass;
  const errs = validateObjectMeta(ic.metadata, nameIsDNSSubdomain);
  const c = ic.spec?.controller;
  if (!c) errs.push(required('spec.controller'));
  else if (c.length > 250) errs.push({ type: 'FieldValueTooLong', field: 'spec.controller', badValue: c, detail: 'must have at most 250 bytes' });
  else if (!/^[^/]+\/.+$/.test(c)) errs.push(invalid('spec.controller', c, 'must be a domain-prefixed path (such as "acme.io/foo")'));
  return errs;
}

export const ingressClassStrategy: Strategy = {
  defaults(o) {
    const p = (o as IngressClass).spec?.parameters;
    if (p) p.scope ||= 'Cluster';
  },
  validate: validateIngressClass,
  validateUpdate: withUpdate(validateIngressClass),
};

function validateLease(o: KObject): FieldError[] {
  const l = o as Lease;
  const errs = validateObjectMeta(l.metadata, nameIsDNSSubdomain);
  const d = l.spec?.leaseDurationSeconds;
  if (d != null && d <= 0) errs.push(invalid('spec.leaseDurationSeconds', d, 'must be greater than 0'));
  const t = l.spec?.leaseTransitions;
  if (t != null && t < 0) errs.push(invalid('spec.leaseTransitions', t, 'must be greater than or equal to 0'));
  return errs;
}

export const leaseStrategy: Strategy = { defaults() {}, validate: validateLease, validateUpdate: withUpdate(validateLease) };
