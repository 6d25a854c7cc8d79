// The local-path room's front door: the node-local provisioner an agent runs for its own node.
export { runLocalPathProvisioner, type LocalPathOptions } from './provisioner.ts';
export { claimAction, localPathVolume, reclaimablePath, nodeAnnotation } from './volume.ts';
