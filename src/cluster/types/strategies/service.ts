// Service, Endpoints and EndpointSlice strategies: defaults from core/v1 and discovery/v1 defaults.go, validation
// from core/validation (ValidateService, ValidateEndpoints) and discovery/validation.
import type { Endpoints, Service, ServicePort } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { duplicate, forbidden, invalid, notSupported, required, type FieldError } from '../status-error.ts';
import { eachInvalid, isDNS1123Label, isDNS1123Subdomain, isValidIP, isValidPortName, isValidPortNum, nameIsDNS1035Label, nameIsDNSSubdomain } from './names.ts';
import { immutable, validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import type { Strategy } from './types.ts';

const protocols = ['SCTP', 'TCP', 'UDP'];
const serviceTypes = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const badIP = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

export const isHeadless = (svc: Service) => svc.spec?.clusterIP === 'None';

export const serviceStrategy: Strategy = {
  defaults(o) {
    const svc = o as Service;
    const s = (svc.spec ??= {});
    s.type ||= 'ClusterIP';
    s.sessionAffinity ||= 'None';
    if (s.sessionAffinity === 'ClientIP') {
      s.sessionAffinityConfig ??= {};
      s.sessionAffinityConfig.clientIP ??= {};
      s.sessionAffinityConfig.clientIP.timeoutSeconds ??= 10800;
    }
    for (const p of s.ports ?? []) {
      p.protocol ||= 'TCP';
      if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
    }
    if (s.type === 'NodePort' || s.type === 'LoadBalancer') s.externalTrafficPolicy ||= 'Cluster';
    if (s.type === 'LoadBalancer') s.allocateLoadBalancerNodePorts ??= true;
    if (s.type !== 'ExternalName') {
      s.internalTrafficPolicy ||= 'Cluster';
      s.ipFamilyPolicy ||= 'SingleStack';
      if (!s.ipFamilies?.length) s.ipFamilies = ['IPv4'];
      // clusterIP and clusterIPs mirror each other (the REST layer allocates into either)
      if (s.clusterIP && !s.clusterIPs?.length) s.clusterIPs = [s.clusterIP];
      else if (!s.clusterIP && s.clusterIPs?.length) s.clusterIP = s.clusterIPs[0];
    }
    const w = svc as { status?: Service['status'] };
    w.status ??= { loadBalancer: {} };
  },
  validate(o) {
    const svc = o as Service;
    const errs = validateObjectMeta(svc.metadata, nameIsDNS1035Label);
    const s = svc.spec;
    if (!s) return [...errs, required('spec')];
    if (!s.type || !serviceTypes.includes(s.type)) errs.push(notSupported('spec.type', s.type ?? '', serviceTypes));
    if (!s.ports?.length && !isHeadless(svc) && s.type !== 'ExternalName') errs.push(required('spec.ports'));
    errs.push(...validateServicePorts(s.ports ?? [], s.type ?? 'ClusterIP'));
    if (s.type === 'ExternalName') {
      if (s.clusterIPs?.length || (s.clusterIP && s.clusterIP !== '')) errs.push(forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
      if (!s.externalName) errs.push(required('spec.externalName'));
      else errs.push(...eachInvalid('spec.externalName', s.externalName, isDNS1123Subdomain(s.externalName.replace(/\.$/, ''))));
    } else {
      const ips = s.clusterIPs ?? (s.clusterIP ? [s.clusterIP] : []);
      if (s.clusterIP && ips.length && ips[0] !== s.clusterIP) errs.push(invalid('spec.clusterIPs', ips, 'first value must match `clusterIP`'));
      for (const [i, ip] of ips.entries()) {
        if (ip === 'None') {
          if (i > 0 || ips.length > 1) errs.push(invalid(`spec.clusterIPs[${i}]`, ip, 'must be empty when the first value is \'None\''));
        } else if (!isValidIP(ip)) errs.push(invalid(`spec.clusterIPs[${i}]`, ip, badIP));
      }
    }
    if (s.sessionAffinity && !['ClientIP', 'None'].includes(s.sessionAffinity)) errs.push(notSupported('spec.sessionAffinity', s.sessionAffinity, ['ClientIP', 'None']));
    if (s.internalTrafficPolicy && !['Cluster', 'Local'].includes(s.internalTrafficPolicy)) errs.push(notSupported('spec.internalTrafficPolicy', s.internalTrafficPolicy, ['Cluster', 'Local']));
    if (s.externalTrafficPolicy && !['Cluster', 'Local'].includes(s.externalTrafficPolicy)) errs.push(notSupported('spec.externalTrafficPolicy', s.externalTrafficPolicy, ['Cluster', 'Local']));
    errs.push(...validateLabels(s.selector, 'spec.selector'));
    for (const [i, ip] of (s.externalIPs ?? []).entries()) if (!isValidIP(ip)) errs.push(invalid(`spec.externalIPs[${i}]`, ip, badIP));
    return errs;
  },
  validateUpdate(o, old) {
    const errs = [...validateObjectMetaUpdate(o.metadata, old.metadata), ...serviceStrategy.validate(o)];
    const n = (o as Service).spec ?? {};
    const p = (old as Service).spec ?? {};
    // an ExternalName service has no IP; switching to or from it may add or drop one
    if (n.type !== 'ExternalName' && p.type !== 'ExternalName' && p.clusterIP && n.clusterIP !== p.clusterIP) {
      errs.push(invalid('spec.clusterIPs[0]', n.clusterIPs ?? (n.clusterIP ? [n.clusterIP] : null), 'may not change once set'));
    }
    return errs;
  },
};

function validateServicePorts(ports: ServicePort[], type: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  const seen = new Set<string>();
  for (const [i, p] of ports.entries()) {
    const f = `spec.ports[${i}]`;
    if (ports.length > 1 && !p.name) errs.push(required(`${f}.name`));
    else if (p.name) {
      errs.push(...eachInvalid(`${f}.name`, p.name, isDNS1123Label(p.name)));
      if (names.has(p.name)) errs.push(duplicate(`${f}.name`, p.name));
      names.add(p.name);
    }
    errs.push(...eachInvalid(`${f}.port`, p.port, isValidPortNum(p.port)));
    if (!p.protocol) errs.push(required(`${f}.protocol`));
    else if (!protocols.includes(p.protocol)) errs.push(notSupported(`${f}.protocol`, p.protocol, protocols));
    if (typeof p.targetPort === 'number') errs.push(...eachInvalid(`${f}.targetPort`, p.targetPort, isValidPortNum(p.targetPort)));
    else if (typeof p.targetPort === 'string') errs.push(...eachInvalid(`${f}.targetPort`, p.targetPort, isValidPortName(p.targetPort)));
    if (p.nodePort) {
      if (type === 'ClusterIP' || type === 'ExternalName') errs.push(forbidden(`${f}.nodePort`, `may not be used when \`type\` is '${type}'`));
      else errs.push(...eachInvalid(`${f}.nodePort`, p.nodePort, isValidPortNum(p.nodePort)));
    }
    const key = `${p.port}/${p.protocol}`;
    if (seen.has(key)) errs.push(duplicate(f, { port: p.port, protocol: p.protocol }));
    seen.add(key);
  }
  return errs;
}

function validateEndpointPorts(ports: { name?: string; port: number; protocol?: string }[], field: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  for (const [i, p] of ports.entries()) {
    const f = `${field}[${i}]`;
    if (ports.length > 1 && !p.name) errs.push(required(`${f}.name`));
    else if (p.name) {
      errs.push(...eachInvalid(`${f}.name`, p.name, isDNS1123Label(p.name)));
      if (names.has(p.name)) errs.push(duplicate(`${f}.name`, p.name));
      names.add(p.name);
    }
    errs.push(...eachInvalid(`${f}.port`, p.port, isValidPortNum(p.port)));
    if (!p.protocol) errs.push(required(`${f}.protocol`));
    else if (!protocols.includes(p.protocol)) errs.push(notSupported(`${f}.protocol`, p.protocol, protocols));
  }
  return errs;
}

export const endpointsStrategy: Strategy = {
  defaults(o) {
    for (const s of (o as Endpoints).subsets ?? []) for (const p of s.ports ?? []) p.protocol ||= 'TCP';
  },
  validate(o) {
    const ep = o as Endpoints;
    const errs = validateObjectMeta(ep.metadata, nameIsDNSSubdomain);
    for (const [i, s] of (ep.subsets ?? []).entries()) {
      const f = `subsets[${i}]`;
      if (!s.addresses?.length && !s.notReadyAddresses?.length) errs.push(required(f, 'must specify `addresses` or `notReadyAddresses`'));
      for (const kind of ['addresses', 'notReadyAddresses'] as const) {
        for (const [j, a] of (s[kind] ?? []).entries()) {
          if (!isValidIP(a.ip)) errs.push(invalid(`${f}.${kind}[${j}].ip`, a.ip, badIP));
          if (a.nodeName) errs.push(...eachInvalid(`${f}.${kind}[${j}].nodeName`, a.nodeName, isDNS1123Subdomain(a.nodeName)));
        }
      }
      errs.push(...validateEndpointPorts(s.ports ?? [], `${f}.ports`));
    }
    return errs;
  },
  validateUpdate(o, old) {
    return [...validateObjectMetaUpdate(o.metadata, old.metadata), ...endpointsStrategy.validate(o)];
  },
};

const addressTypes = ['FQDN', 'IPv4', 'IPv6'];

export const endpointSliceStrategy: Strategy = {
  defaults(o) {
    for (const p of (o as unknown as EndpointSlice).ports ?? []) {
      p.name ??= '';
      p.protocol ||= 'TCP';
    }
  },
  validate(o) {
    const es = o as unknown as EndpointSlice;
    const errs = validateObjectMeta(es.metadata, nameIsDNSSubdomain);
    if (!es.addressType) errs.push(required('addressType'));
    else if (!addressTypes.includes(es.addressType)) errs.push(notSupported('addressType', es.addressType, addressTypes));
    const endpoints = es.endpoints ?? [];
    if (endpoints.length > 1000) errs.push({ type: 'FieldValueTooMany', field: 'endpoints', badValue: endpoints.length, detail: 'must have at most 1000 items' });
    for (const [i, e] of endpoints.entries()) {
      const f = `endpoints[${i}]`;
      if (!e.addresses?.length) errs.push(required(`${f}.addresses`, 'must contain at least 1 address'));
      else if (e.addresses.length > 100) errs.push({ type: 'FieldValueTooMany', field: `${f}.addresses`, badValue: e.addresses.length, detail: 'must have at most 100 items' });
      for (const [j, a] of (e.addresses ?? []).entries()) {
        if ((es.addressType === 'IPv4' || es.addressType === 'IPv6') && !isValidIP(a)) errs.push(invalid(`${f}.addresses[${j}]`, a, badIP));
      }
      if (e.nodeName) errs.push(...eachInvalid(`${f}.nodeName`, e.nodeName, isDNS1123Subdomain(e.nodeName)));
      if (e.hostname) errs.push(...eachInvalid(`${f}.hostname`, e.hostname, isDNS1123Label(e.hostname)));
    }
    const names = new Set<string>();
    for (const [i, p] of (es.ports ?? []).entries()) {
      const f = `ports[${i}]`;
      if (p.name) errs.push(...eachInvalid(`${f}.name`, p.name, isDNS1123Label(p.name)));
      if (names.has(p.name ?? '')) errs.push(duplicate(`${f}.name`, p.name ?? ''));
      names.add(p.name ?? '');
      if (p.port != null) errs.push(...eachInvalid(`${f}.port`, p.port, isValidPortNum(p.port)));
      if (p.protocol && !protocols.includes(p.protocol)) errs.push(notSupported(`${f}.protocol`, p.protocol, protocols));
    }
    return errs;
  },
  validateUpdate(o, old) {
    return [
      ...validateObjectMetaUpdate(o.metadata, old.metadata),
      ...endpointSliceStrategy.validate(o),
      ...immutable('addressType', (o as unknown as EndpointSlice).addressType, (old as unknown as EndpointSlice).addressType),
    ];
  },
};
