// The PersistentVolume controller's front door (binding claims and volumes).
export { createPersistentVolumeController, waitingForProvisioner } from './controller.ts';
export { createStorageProtectionController } from './protection.ts';
