// Cluster DNS (the CoreDNS role), run by every agent on its node's pod gateway.
export { startClusterDns, dnsSlice, sliceName, KUBE_DNS, MANAGED_BY } from './serve.ts';
export type { ClusterDns, ClusterDnsOptions } from './serve.ts';
export { createRecordIndex, serviceRecords, dashed } from './records.ts';
export type { RecordIndex, RecordSet } from './records.ts';
export { answerCluster, RECORD_TTL } from './answer.ts';
