// The one embedded DNS server of a daemon (dns.ts), listening on every user network's gateway, port 53:
// names come from the network room's live state (names.ts), the rest goes to the host's resolvers.
import { createDnsServer } from './dns.ts';
import { resolveName, resolvePtr, upstreamsOf, type NameSource } from './names.ts';
import type { DnsControl } from './context.ts';
import { NO_EMBEDDED_DNS_OPTION } from './records.ts';
import type { NetworkRecord } from '../types.ts';

export interface EmbeddedDns extends DnsControl {
  close(): Promise<void>;
}

export function createEmbeddedDns(source: () => NameSource, hostResolvConf: string): EmbeddedDns {
  const server = createDnsServer({
    upstreams: upstreamsOf(hostResolvConf),
    resolveName: (name, local) => resolveName(source(), name, local),
    resolvePtr: (ip, local) => resolvePtr(source(), ip, local),
  });
  return {
    networkUp: async (n) => {
      const gw = servedGateway(n);
      if (gw) await server.listen(gw);
    },
    networkDown: async (n) => {
      const gw = servedGateway(n);
      if (gw) await server.unlisten(gw);
    },
    close: () => server.close(),
  };
}

/** The gateway the resolver serves, or none for a network that opted out (the pod network: the cluster DNS is there). */
function servedGateway(n: NetworkRecord): string | undefined {
  return n.Options[NO_EMBEDDED_DNS_OPTION] === 'true' ? undefined : n.IPAM.Config[0]?.Gateway;
}
