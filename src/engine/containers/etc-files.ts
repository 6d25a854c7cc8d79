// The files docker writes for a container and bind-mounts over its /etc: hostname, hosts, resolv.conf.
import { readFile, writeFile } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import type { ContainerRecord } from '../types.ts';
import { paths, type Ctx } from './context.ts';

/** /etc/hostname, /etc/hosts, /etc/resolv.conf of the container (bind-mounted; docker writes them too). */
export async function writeEtcFiles(ctx: Ctx, rec: ContainerRecord): Promise<void> {
  const p = paths(ctx, rec.id);
  const h = rec.spec.host;
  const name = containerHostname(rec);
  const extra = (h.extraHosts ?? []).map((e) => {
    const i = e.lastIndexOf(':');
    return `${e.slice(i + 1)}\t${e.slice(0, i)}`;
  });
  let hosts: string;
  let resolv: string;
  if (h.networkMode === 'host') {
    hosts = await readFile('/etc/hosts', 'utf8').catch(() => '127.0.0.1\tlocalhost\n');
    resolv = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
  } else {
    hosts = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', 'fe00::0\tip6-localnet', 'ff00::0\tip6-mcastprefix',
      'ff02::1\tip6-allnodes', 'ff02::2\tip6-allrouters'].join('\n') + '\n';
    // like docker: the host's resolv.conf without loopback resolvers (unreachable from a container)
    const host = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
    resolv = host.split('\n').filter((l) => !/^\s*nameserver\s+(127\.|::1\b)/.test(l)).join('\n');
  }
  if (extra.length) hosts += extra.join('\n') + '\n';
  if (h.dns?.length) resolv = resolv.split('\n').filter((l) => !/^\s*nameserver\s/.test(l)).concat(h.dns.map((d) => `nameserver ${d}`)).join('\n') + '\n';
  // regenerable files: no fsync on the hot path of run
  await Promise.all([writeFile(p.hostname, name + '\n'), writeFile(p.hosts, hosts), writeFile(p.resolvConf, resolv)]);
}

export function containerHostname(rec: ContainerRecord): string {
  if (rec.spec.hostname) return rec.spec.hostname;
  return rec.spec.host.networkMode === 'host' ? osHostname() : rec.id.slice(0, 12);
}
