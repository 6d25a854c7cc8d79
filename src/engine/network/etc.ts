// The contents of a container's /etc/hosts and /etc/resolv.conf, as docker writes them. Pure.

export interface HostsInput {
  /** the container's own address on its first network ('' without one) */
  ip: string;
  hostname: string;
  domainname?: string;
  /** `host:ip` (--add-host) */
  extraHosts: string[];
  /** resolved --link entries */
  links: Array<{ ip: string; alias: string; name: string }>;
}

const localhostLines = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
];

/** `name:ip` → `ip\tname`; the address may be IPv6 (`name:::1`): split at the first colon. */
export function extraHostLine(entry: string): string {
  const i = entry.indexOf(':');
  return `${entry.slice(i + 1)}\t${entry.slice(0, i)}`;
}

export function renderHosts(h: HostsInput): string {
  const lines = [...localhostLines, ...h.extraHosts.map(extraHostLine)];
  for (const l of h.links) lines.push(`${l.ip}\t${l.alias === l.name ? l.name : `${l.alias} ${l.name}`}`);
  if (h.ip) lines.push(`${h.ip}\t${h.domainname ? `${h.hostname}.${h.domainname} ` : ''}${h.hostname}`);
  return lines.join('\n') + '\n';
}

export interface ResolvInput {
  /** the host's /etc/resolv.conf */
  host: string;
  /** the embedded resolver's address on a user network; undefined on the default bridge */
  embedded?: string;
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
}

const loopback = /^(127\.|::1$)/;
const googleDns = ['8.8.8.8', '8.8.4.4'];

/** docker's rules: the host's resolvers minus loopback ones (else Google's), or the embedded resolver. */
export function renderResolvConf(r: ResolvInput): string {
  const fields = (key: string) => r.host.split('\n').map((l) => l.trim().split(/\s+/)).filter((w) => w[0] === key).map((w) => w.slice(1));
  let nameservers = fields('nameserver').map((w) => w[0]).filter((s) => s && !loopback.test(s));
  if (!nameservers.length) nameservers = googleDns;
  if (r.dns?.length) nameservers = r.dns;
  if (r.embedded) nameservers = [r.embedded, ...(r.dns ?? [])];
  const search = r.dnsSearch?.length ? r.dnsSearch : fields('search').at(-1) ?? [];
  const options = r.dnsOptions?.length ? r.dnsOptions : fields('options').flat();
  const lines = nameservers.map((s) => `nameserver ${s}`);
  if (search.length && !(search.length === 1 && search[0] === '.')) lines.push(`search ${search.join(' ')}`);
  if (options.length) lines.push(`options ${options.join(' ')}`);
  return lines.join('\n') + '\n';
}
