// The seam between the REST layer (apiserver/rest) and patching (this room): JSON patch, merge patch,
// strategic merge patch, server-side apply and managedFields, all driven by the kinds' OpenAPI schemas.
import type { KObject } from '../../types/meta.ts';
import type { ResourceSpec } from '../../types/resource.ts';

export interface Patcher {
  /** json (RFC 6902), merge (RFC 7386) or strategic merge: the patched object, before defaults/validation. Bad patch → StatusError 400/422. */
  patch(spec: ResourceSpec, current: KObject, type: 'json' | 'merge' | 'strategic', body: string): KObject;
  /**
   * Server-side apply of `applied` (already decoded from YAML/JSON) over `current` (undefined: create).
   * Returns the merged object with managedFields updated (operation Apply). Fields owned by another manager
   * with a different value → StatusError 409 Conflict (`Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas`), unless force.
   */
  apply(spec: ResourceSpec, current: KObject | undefined, applied: KObject, manager: string, force: boolean, now: Date, subresource?: string): KObject;
  /** After any non-apply write (create/update/patch): records what `manager` changed in updated.metadata.managedFields (operation Update). */
  trackUpdate(spec: ResourceSpec, old: KObject | undefined, updated: KObject, manager: string, now: Date, subresource?: string): void;
  /** Fields the kind's schema does not know, as Kubernetes names them (`spec.foo`, `spec.template.spec.containers[0].imagePullPolice`). */
  unknownFields(spec: ResourceSpec, obj: KObject): string[];
}
