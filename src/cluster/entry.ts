// The cluster half's one entry for the command line (bundled apart as dist/cluster.mjs, like the engine's
// daemon.mjs): `skiff server`, `skiff kubeconfig`, `skiff sim nodes`.
export { runServer, DEFAULT_SERVER_ROOT, kubeconfigPathOf } from './server/index.ts';
export { runSimNodes } from './sim/index.ts';
export { createClientFromKubeconfig } from './client/index.ts';
