// The client room's front door: the ApiClient contract and its implementations (in-memory fake for tests,
// HTTPS with a kubeconfig), shared informers, work queues with back-off, and the event recorder.
export type {
  ApiClient, ListOptions, WatchOptions, WriteOptions, DeleteOptions, PatchType,
  Informer, InformerHandlers, InformerFactory, WorkQueue, ReconcileResult, EventRecorder, Controller, ControllerContext,
} from './types.ts';
export { patchContentTypes } from './types.ts';
export { createFakeClient } from './fake.ts';
export type { FakeClient, FakeAction, FakeOptions } from './fake.ts';
export { createInformerFactory } from './informer.ts';
export { createWorkQueue, runWorkers, runWhenSynced } from './workqueue.ts';
export type { WorkQueueOptions } from './workqueue.ts';
export { createHttpClient, resourcePath, statusErrorFrom } from './http.ts';
export type { HttpClientConfig } from './http.ts';
export { loadKubeconfig, createClientFromKubeconfig, defaultKubeconfigPath } from './kubeconfig.ts';
export { createEventRecorder } from './events.ts';
export { parseJoinToken, caHashOf, joinToken } from './join-token.ts';
export { namespacedClient } from './namespaced.ts';
