// Admission plugins, as kube-apiserver's admission chain: after a write's defaults, every plugin's `admit`
// (mutating) runs in order, then the kind's own validation, then every plugin's `validate`; a plugin refuses a
// request by throwing a StatusError (403 Forbidden for policy, 422 Invalid for a bad object). Plugins hold
// the REST layer as their client (for the LimitRanges, quotas or ServiceAccounts they read) and never write
// the object under admission themselves. The list of plugins, in order, is ./index.ts.
import type { ApiClient } from '../../client/types.ts';
import type { KObject } from '../../types/meta.ts';
import type { ResourceSpec } from '../../types/resource.ts';
import type { RequestUser } from '../rest/types.ts';

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE';

export interface AdmissionRequest {
  operation: AdmissionOperation;
  spec: ResourceSpec;
  /** 'status', 'scale', 'eviction', 'ephemeralcontainers', … or undefined for the main resource */
  subresource?: string;
  namespace?: string;
  name: string;
  /** the object to be stored (CREATE, UPDATE): `admit` may change it in place; absent for DELETE */
  object?: KObject;
  /** the stored object (UPDATE, DELETE) */
  oldObject?: KObject;
  /** the caller, when the request came through the HTTP face; undefined for the in-process controllers */
  user?: RequestUser;
  dryRun: boolean;
}

export interface AdmissionPlugin {
  name: string;
  /** mutating admission: may change req.object; runs after defaulting, before validation */
  admit?(req: AdmissionRequest): Promise<void> | void;
  /** validating admission: after the kind's validation, before the store write */
  validate?(req: AdmissionRequest): Promise<void> | void;
}

export interface AdmissionDeps {
  /** the REST layer itself (reads go through its watch cache) */
  client: ApiClient;
  now(): Date;
  /** the server's admission flags (kube-apiserver's names); each plugin reads its own */
  options?: AdmissionOptions;
}

/** Settings of the admission plugins, from `skiff server` flags */
export interface AdmissionOptions {
  /** --default-not-ready-toleration-seconds (kube: 300) */
  defaultNotReadyTolerationSeconds?: number;
  /** --default-unreachable-toleration-seconds (kube: 300) */
  defaultUnreachableTolerationSeconds?: number;
}

export type AdmissionPluginFactory = (deps: AdmissionDeps) => AdmissionPlugin;
