// DNS over UDP and TCP (dns-packet for the wire format): a server that answers its owner's names and forwards
// the rest, with an optional answer cache. The engine's embedded resolver and the cluster DNS both use it.
export { createDnsServer, RCODE_NOERROR, RCODE_NXDOMAIN, RCODE_SERVFAIL } from './server.ts';
export type { DnsServer, DnsServerOptions, LocalReply, Answerer } from './server.ts';
export { createAnswerCache, cacheKey } from './cache.ts';
export type { AnswerCache, CacheOptions } from './cache.ts';
export { forwardQuery, parseUpstream, frameTcp, readTcpMessages, UPSTREAM_TIMEOUT_MS } from './forward.ts';
export { normalizeName, ptrToIPv4, ipv4ToPtr } from './names.ts';
export { compressMessage } from './compress.ts';
