// Where the authorizer reads RBAC objects: the server's informers (kept current by watches, read per request
// without copying), or a snapshot listed through a client (the escalation checks, a few reads per RBAC write).
import type { ApiClient, InformerFactory } from '../client/types.ts';
import type { KObject } from '../types/meta.ts';
import { R } from '../types/gvr.ts';
import type { RbacSource } from './authorizer.ts';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from './types.ts';

export function informerRbacSource(informers: InformerFactory): RbacSource {
  const clusterRoles = informers.informer<ClusterRole & KObject>(R.clusterroles);
  const clusterRoleBindings = informers.informer<ClusterRoleBinding & KObject>(R.clusterrolebindings);
  const roles = informers.informer<Role & KObject>(R.roles);
  const roleBindings = informers.informer<RoleBinding & KObject>(R.rolebindings);
  return {
    clusterRoleBindings: () => clusterRoleBindings.list(),
    roleBindings: (ns) => roleBindings.list(ns),
    clusterRole: (name) => clusterRoles.get(name),
    role: (ns, name) => roles.get(`${ns}/${name}`),
  };
}

/** The RBAC objects a request in `namespace` can be granted by, listed from the watch cache */
export async function listedRbacSource(client: ApiClient, namespace: string): Promise<RbacSource> {
  const fromCache = { resourceVersion: '0' };
  const [crs, crbs, roles, rbs] = await Promise.all([
    client.list<ClusterRole & KObject>(R.clusterroles, undefined, fromCache),
    client.list<ClusterRoleBinding & KObject>(R.clusterrolebindings, undefined, fromCache),
    namespace ? client.list<Role & KObject>(R.roles, namespace, fromCache) : undefined,
    namespace ? client.list<RoleBinding & KObject>(R.rolebindings, namespace, fromCache) : undefined,
  ]);
  const byName = <T extends KObject>(items: T[]) => new Map(items.map((o) => [o.metadata?.name ?? '', o]));
  const crByName = byName(crs.items);
  const roleByName = byName(roles?.items ?? []);
  return {
    clusterRoleBindings: () => crbs.items,
    roleBindings: (ns) => (ns === namespace ? rbs?.items ?? [] : []),
    clusterRole: (name) => crByName.get(name),
    role: (ns, name) => (ns === namespace ? roleByName.get(name) : undefined),
  };
}
