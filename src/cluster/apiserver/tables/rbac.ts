// rbac.authorization.k8s.io printers, as kube's: roles show when they were made (RFC 3339), bindings their
// role and (wide) the users, groups and ServiceAccounts they name.
import type { ClusterRoleBinding } from 'kubernetes-types/rbac/v1.js';
import type { Printer } from './types.ts';
import { ageColumn, ageOf, col, nameColumn, nameOf } from './format.ts';

const createdAt = col('Created At', 'CreationTimestamp is a timestamp representing the server time when this object was created.', { type: 'date' });

export const rolePrinter: Printer = {
  columns: [nameColumn, createdAt],
  cells: (obj) => [nameOf(obj), obj.metadata?.creationTimestamp ?? ''],
};

const bindingColumns = [
  nameColumn,
  col('Role', 'RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.'),
  ageColumn,
  col('Users', 'Users in the roleBinding', { priority: 1 }),
  col('Groups', 'Groups in the roleBinding', { priority: 1 }),
  col('ServiceAccounts', 'ServiceAccounts in the roleBinding', { priority: 1 }),
];

export const roleBindingPrinter: Printer = {
  columns: bindingColumns,
  cells(obj, now) {
    const b = obj as unknown as ClusterRoleBinding;
    const of = (kind: string) => (b.subjects ?? []).filter((s) => s.kind === kind);
    const sas = of('ServiceAccount').map((s) => (s.namespace ? `${s.namespace}/${s.name}` : s.name));
    return [nameOf(obj), `${b.roleRef?.kind}/${b.roleRef?.name}`, ageOf(obj, now), of('User').map((s) => s.name).join(', '), of('Group').map((s) => s.name).join(', '), sas.join(', ')];
  },
};
