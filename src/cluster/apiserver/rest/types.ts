// The REST layer: every Kubernetes API verb over the Store, with admission (defaults, validation), MVCC
// (resourceVersion = store revision), finalizers and deletion propagation, subresources, allocation of
// Service IPs and NodePorts, and a watch cache. It *is* an ApiClient: the HTTP face (apiserver/http) calls
// it per request, and the controllers inside `skiff server` hold it directly as their client.
import type { ApiClient } from '../../client/types.ts';
import type { KObject } from '../../types/meta.ts';
import type { Store } from '../../store/types.ts';
import type { ResourceSpec } from '../../types/resource.ts';
import type { ResourceSet } from '../../types/resource-set.ts';
import type { Patcher } from '../patch/types.ts';
import type { AdmissionOptions, AdmissionPluginFactory } from '../admission/types.ts';

/** The caller of a write (the HTTP face's authenticated ApiUser): for admission, reviews and TokenRequest; absent for in-process controllers */
export interface RequestUser {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface RestOptions {
  store: Store;
  /** the served kinds: a fixed list, or the live set the server installs CRD versions into */
  resources: readonly ResourceSpec[] | ResourceSet;
  patcher: Patcher;
  /** Service ClusterIP range, default '10.43.0.0/16' (the first address is the `kubernetes` Service's) */
  serviceCIDR?: string;
  /** default [30000, 32767] */
  nodePortRange?: [number, number];
  now?: () => Date;
  /** the admission chain (default: every plugin of ../admission/index.ts, in its order) */
  admission?: AdmissionPluginFactory[];
  /** the admission plugins' settings (server flags) */
  admissionOptions?: AdmissionOptions;
  /** serviceaccounts/token (TokenRequest): issues the token; client is this REST layer (the server's issuer,
   * cluster/serviceaccount); absent: the subresource answers 404 */
  tokenRequest?(client: ApiClient, namespace: string, name: string, request: KObject, o: { dryRun?: boolean }): Promise<KObject>;
}

export interface Rest extends ApiClient {
  /** the live set of served kinds this REST layer serves (the same set the HTTP face routes by) */
  readonly resources: ResourceSet;
  /** resolves once the watch cache holds every kind installed so far (call after resources.replace, before serving the kind) */
  cacheSynced(): Promise<void>;
  /** loads the watch caches and allocators; resolves when ready to serve */
  start(): Promise<void>;
  /**
   * Makes the objects every cluster has: namespaces default, kube-system, kube-public, kube-node-lease;
   * Service `kubernetes` in default (first ClusterIP, port 443 → apiServer) and its Endpoints/EndpointSlice.
   * Idempotent; corrects the endpoints when the address changed.
   */
  bootstrap(apiServer: { address: string; port: number }): Promise<void>;
  /** the `kubernetes` Service's Endpoints/EndpointSlice set to these API server addresses on `port` (the endpoint reconciler's write) */
  apiServerEndpoints(addresses: string[], port: number): Promise<void>;
  /** the store's current revision */
  currentRevision(): Promise<number>;
  close(): Promise<void>;
}
