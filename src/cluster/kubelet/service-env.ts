// The Docker-links-style variables the kubelet gives every container for the Services it could reach
// (envvars.FromServices): NAME_SERVICE_HOST/PORT(_PORTNAME) and NAME_PORT_<port>_<PROTO>{,_PROTO,_PORT,_ADDR}.
// The pod's namespace's Services when enableServiceLinks (the default), and always default/kubernetes.
import type { Pod, Service } from 'kubernetes-types/core/v1.js';

const envName = (s: string) => s.toUpperCase().replace(/-/g, '_');

function varsOf(svc: Service): Array<{ name: string; value: string }> {
  const ip = svc.spec?.clusterIP;
  const ports = svc.spec?.ports ?? [];
  if (!ip || ip === 'None' || ports.length === 0) return [];
  const n = envName(svc.metadata?.name ?? '');
  const out = [{ name: `${n}_SERVICE_HOST`, value: ip }, { name: `${n}_SERVICE_PORT`, value: String(ports[0].port) }];
  for (const p of ports) if (p.name) out.push({ name: `${n}_SERVICE_PORT_${envName(p.name)}`, value: String(p.port) });
  ports.forEach((p, i) => {
    const proto = (p.protocol ?? 'TCP').toUpperCase();
    const url = `${proto.toLowerCase()}://${ip.includes(':') ? `[${ip}]` : ip}:${p.port}`;
    const prefix = `${n}_PORT_${p.port}_${proto}`;
    if (i === 0) out.push({ name: `${n}_PORT`, value: url });
    out.push({ name: prefix, value: url }, { name: `${prefix}_PROTO`, value: proto.toLowerCase() }, { name: `${prefix}_PORT`, value: String(p.port) }, { name: `${prefix}_ADDR`, value: ip });
  });
  return out;
}

/** services: those of the pod's namespace and of `default` (the caller's cache) */
export function serviceEnvVars(pod: Pod, services: Service[]): Array<{ name: string; value: string }> {
  const ns = pod.metadata?.namespace ?? 'default';
  const links = pod.spec?.enableServiceLinks ?? true;
  const chosen = new Map<string, Service>();
  for (const s of services) {
    const name = s.metadata?.name ?? '';
    const sns = s.metadata?.namespace ?? 'default';
    // the API server's own Service is always there; the rest of the namespace when links are on
    if (sns === 'default' && name === 'kubernetes') chosen.set(name, s);
    else if (links && sns === ns && !chosen.has(name)) chosen.set(name, s);
  }
  return [...chosen.values()].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '')).flatMap(varsOf);
}
