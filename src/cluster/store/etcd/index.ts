export { createEtcdStore } from './store.ts';
export type { EtcdStoreOptions } from './store.ts';
