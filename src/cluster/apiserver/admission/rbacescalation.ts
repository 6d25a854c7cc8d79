// RBAC escalation checks on writes of Roles, ClusterRoles and their bindings (kube does them in the RBAC
// storage; here they sit in the admission chain's validation, which sees the final object and the caller).
import type { AdmissionPluginFactory } from './types.ts';
import { checkEscalation } from '../../rbac/escalation.ts';

const rbacKinds = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);

export const rbacEscalation: AdmissionPluginFactory = ({ client }) => ({
  name: 'RBACEscalation',
  async validate(req) {
    if (req.spec.group !== 'rbac.authorization.k8s.io' || !rbacKinds.has(req.spec.kind) || req.subresource || !req.object) return;
    await checkEscalation(client, { kind: req.spec.kind, namespace: req.namespace, name: req.name, object: req.object, oldObject: req.oldObject, user: req.user });
  },
});
