// The cluster half's one entry for the command line (bundled apart as dist/cluster.mjs, like the engine's
// daemon.mjs): `skiff server`, `skiff kubeconfig`, `skiff sim nodes`, `skiff up`'s node hosts and `skiff nodes`.
export { runServer, DEFAULT_SERVER_ROOT, kubeconfigPathOf } from './server/index.ts';
export { runSimNodes } from './sim/index.ts';
export { createClientFromKubeconfig, loadKubeconfig, createHttpClient, joinToken } from './client/index.ts';
export { createBootstrapToken, listBootstrapTokens, deleteBootstrapToken } from './server/bootstrap-tokens.ts';
export { upCluster, downCluster, stopNode, startNode, agentPid, readLayout, nodeSocket, serverUrl, hostNetObjects } from './nodes/index.ts';
export type { ClusterLayout, ClusterNode } from './nodes/index.ts';
export { nodeRows } from './nodes/status.ts';
