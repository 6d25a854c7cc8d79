// The bootstrap policy: the ClusterRoles and ClusterRoleBindings kube-apiserver makes at start (kube's
// bootstrappolicy, rules as Kubernetes 1.32 ships them), the metrics-server's aggregated reader, and skiff's
// own: `system:node` also carries what a skiff agent does beyond a kubelet (its cluster DNS keeps an
// EndpointSlice of kube-dns, the local-path provisioner makes PersistentVolumes), bound by `skiff:nodes` to
// the nodes' groups (the join token's system:nodes and `skiff token create`'s bootstrap token group).
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Subject } from './types.ts';
import { RBAC_GROUP } from './types.ts';

export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';
const defaultsLabel = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };

const r = (apiGroups: string[], resources: string[], verbs: string[], resourceNames?: string[]): PolicyRule =>
  ({ apiGroups, resources, verbs, ...(resourceNames ? { resourceNames } : {}) });
const urls = (nonResourceURLs: string[], verbs: string[]): PolicyRule => ({ nonResourceURLs, verbs });

const read = ['get', 'list', 'watch'];
const write = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const events: PolicyRule = r(['', 'events.k8s.io'], ['events'], ['create', 'patch', 'update']);

function role(name: string, rules: PolicyRule[], labels: Record<string, string> = {}): ClusterRole {
  return {
    apiVersion: `${RBAC_GROUP}/v1`, kind: 'ClusterRole',
    metadata: { name, labels: { ...defaultsLabel, ...labels }, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } },
    rules,
  };
}

const aggregated = (name: string, to: string, labels: Record<string, string> = {}): ClusterRole => ({
  ...role(name, [], labels),
  aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [`rbac.authorization.k8s.io/aggregate-to-${to}`]: 'true' } }] },
});

const toAdmin = { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' };
const toEdit = { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' };
const toView = { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' };

/** kube's system:node, plus the rules a skiff agent's DNS and local-path provisioner need */
const nodeRules: PolicyRule[] = [
  r(['authentication.k8s.io'], ['tokenreviews'], ['create']),
  r(['authorization.k8s.io'], ['localsubjectaccessreviews', 'subjectaccessreviews'], ['create']),
  r([''], ['services'], read),
  r([''], ['nodes'], ['create', 'get', 'list', 'watch']),
  r([''], ['nodes/status'], ['patch', 'update']),
  r([''], ['nodes'], ['patch', 'update']),
  r([''], ['events'], ['create', 'patch', 'update']),
  r([''], ['pods'], read),
  r([''], ['pods'], ['create', 'delete']),
  r([''], ['pods/status'], ['patch', 'update']),
  r([''], ['pods/eviction'], ['create']),
  r([''], ['configmaps', 'secrets'], read),
  r([''], ['persistentvolumeclaims', 'persistentvolumes'], ['get']),
  r([''], ['endpoints'], ['get']),
  r(['certificates.k8s.io'], ['certificatesigningrequests'], ['create', 'get', 'list', 'watch']),
  r(['coordination.k8s.io'], ['leases'], ['create', 'delete', 'get', 'patch', 'update']),
  r(['storage.k8s.io'], ['volumeattachments'], ['get']),
  r([''], ['serviceaccounts/token'], ['create']),
  r([''], ['persistentvolumeclaims/status'], ['get', 'patch', 'update']),
  r(['storage.k8s.io'], ['csidrivers'], read),
  r(['storage.k8s.io'], ['csinodes'], ['create', 'delete', 'get', 'patch', 'update']),
  r(['node.k8s.io'], ['runtimeclasses'], read),
  // skiff's agent: the service proxy and cluster DNS (EndpointSlices; the node-local kube-dns slice it keeps)
  r(['discovery.k8s.io'], ['endpointslices'], [...read, 'create', 'update', 'patch', 'delete']),
  // the local-path provisioner: claims and classes watched, volumes made and removed
  r([''], ['persistentvolumeclaims', 'persistentvolumes'], read),
  r([''], ['persistentvolumes'], ['create', 'delete']),
  r(['storage.k8s.io'], ['storageclasses'], read),
];

export const bootstrapClusterRoles: ClusterRole[] = [
  role('cluster-admin', [r(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
  aggregated('admin', 'admin'),
  aggregated('edit', 'edit', toAdmin),
  aggregated('view', 'view', toEdit),
  role('system:aggregate-to-admin', [
    r(['authorization.k8s.io'], ['localsubjectaccessreviews'], ['create']),
    r([RBAC_GROUP], ['rolebindings', 'roles'], [...write, ...read].sort()),
  ], toAdmin),
  role('system:aggregate-to-edit', [
    r([''], ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy'], read),
    r([''], ['serviceaccounts'], ['impersonate']),
    r([''], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy'], write),
    r([''], ['pods/eviction'], ['create']),
    r([''], ['configmaps', 'events', 'persistentvolumeclaims', 'replicationcontrollers', 'replicationcontrollers/scale', 'secrets', 'serviceaccounts', 'services', 'services/proxy'], write),
    r([''], ['serviceaccounts/token'], ['create']),
    r(['apps'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'replicasets', 'replicasets/scale', 'statefulsets', 'statefulsets/scale'], write),
    r(['autoscaling'], ['horizontalpodautoscalers'], write),
    r(['batch'], ['cronjobs', 'jobs'], write),
    r(['extensions'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'ingresses', 'networkpolicies', 'replicasets', 'replicasets/scale', 'replicationcontrollers/scale'], write),
    r(['policy'], ['poddisruptionbudgets'], write),
    r(['networking.k8s.io'], ['ingresses', 'networkpolicies'], write),
    r(['coordination.k8s.io'], ['leases'], [...write, ...read].sort()),
  ], toEdit),
  role('system:aggregate-to-view', [
    r([''], ['configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status'], read),
    r([''], ['bindings', 'events', 'limitranges', 'namespaces/status', 'pods/log', 'pods/status', 'replicationcontrollers/status', 'resourcequotas', 'resourcequotas/status'], read),
    r([''], ['namespaces'], read),
    r(['discovery.k8s.io'], ['endpointslices'], read),
    r(['apps'], ['controllerrevisions', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'statefulsets', 'statefulsets/scale', 'statefulsets/status'], read),
    r(['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status'], read),
    r(['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status'], read),
    r(['extensions'], ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses', 'ingresses/status', 'networkpolicies', 'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale'], read),
    r(['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status'], read),
    r(['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies'], read),
  ], toView),
  // metrics-server's role: `kubectl top` for whoever may view
  role('system:aggregated-metrics-reader', [r(['metrics.k8s.io'], ['pods', 'nodes'], read)], { ...toView, ...toEdit, ...toAdmin }),
  role('system:auth-delegator', [r(['authentication.k8s.io'], ['tokenreviews'], ['create']), r(['authorization.k8s.io'], ['subjectaccessreviews'], ['create'])]),
  role('system:basic-user', [
    r(['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], ['create']),
    r(['authentication.k8s.io'], ['selfsubjectreviews'], ['create']),
  ]),
  role('system:discovery', [urls(['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'], ['get'])]),
  role('system:public-info-viewer', [urls(['/healthz', '/livez', '/readyz', '/version', '/version/'], ['get'])]),
  role('system:monitoring', [urls(['/healthz', '/healthz/*', '/livez', '/livez/*', '/metrics', '/metrics/slis', '/readyz', '/readyz/*'], ['get'])]),
  role('system:service-account-issuer-discovery', [urls(['/.well-known/openid-configuration', '/openid/v1/jwks'], ['get'])]),
  role('system:node', nodeRules),
  role('system:node-bootstrapper', [r(['certificates.k8s.io'], ['certificatesigningrequests'], ['create', 'get', 'list', 'watch'])]),
  role('system:node-proxier', [
    r([''], ['endpoints', 'services'], ['list', 'watch']), r([''], ['nodes'], read), events, r(['discovery.k8s.io'], ['endpointslices'], ['list', 'watch']),
  ]),
  role('system:kube-dns', [r([''], ['endpoints', 'services'], ['list', 'watch'])]),
  role('system:kube-scheduler', [
    events,
    r(['coordination.k8s.io'], ['leases'], ['create']),
    r(['coordination.k8s.io'], ['leases'], ['get', 'update'], ['kube-scheduler']),
    r([''], ['nodes'], read),
    r([''], ['pods'], ['delete', 'get', 'list', 'watch']),
    r([''], ['bindings', 'pods/binding'], ['create']),
    r([''], ['pods/status'], ['patch', 'update']),
    r([''], ['replicationcontrollers', 'services'], read),
    r(['apps', 'extensions'], ['replicasets'], read),
    r(['apps'], ['statefulsets'], read),
    r(['policy'], ['poddisruptionbudgets'], read),
    r([''], ['persistentvolumeclaims', 'persistentvolumes'], read),
    r(['authentication.k8s.io'], ['tokenreviews'], ['create']),
    r(['authorization.k8s.io'], ['subjectaccessreviews'], ['create']),
    r(['storage.k8s.io'], ['csinodes'], read),
    r([''], ['namespaces'], read),
    r(['storage.k8s.io'], ['csidrivers'], read),
    r(['storage.k8s.io'], ['csistoragecapacities'], read),
  ]),
  role('system:kube-controller-manager', [
    events,
    r(['coordination.k8s.io'], ['leases'], ['create']),
    r(['coordination.k8s.io'], ['leases'], ['get', 'update'], ['kube-controller-manager']),
    r([''], ['secrets', 'serviceaccounts'], ['create']),
    r([''], ['secrets'], ['delete']),
    r([''], ['configmaps', 'namespaces', 'secrets', 'serviceaccounts'], ['get']),
    r([''], ['secrets', 'serviceaccounts'], ['update']),
    r(['authentication.k8s.io'], ['tokenreviews'], ['create']),
    r(['authorization.k8s.io'], ['subjectaccessreviews'], ['create']),
    r(['*'], ['*'], ['list', 'watch']),
    r([''], ['serviceaccounts/token'], ['create']),
  ]),
  role('system:volume-scheduler', [
    r([''], ['persistentvolumes'], ['get', 'list', 'patch', 'update', 'watch']),
    r(['storage.k8s.io'], ['storageclasses'], read),
    r([''], ['persistentvolumeclaims'], ['get', 'list', 'patch', 'update', 'watch']),
  ]),
  role('system:persistent-volume-provisioner', [
    r([''], ['persistentvolumes'], ['create', 'delete', 'get', 'list', 'watch']),
    r([''], ['persistentvolumeclaims'], ['get', 'list', 'update', 'watch']),
    r(['storage.k8s.io'], ['storageclasses'], read),
    r([''], ['events'], ['watch']),
    events,
  ]),
  role('system:kubelet-api-admin', [r([''], ['nodes'], read), r([''], ['nodes'], ['proxy']), r([''], ['nodes/log', 'nodes/metrics', 'nodes/proxy', 'nodes/stats'], ['*'])]),
  role('system:certificates.k8s.io:certificatesigningrequests:nodeclient', [r(['certificates.k8s.io'], ['certificatesigningrequests/nodeclient'], ['create'])]),
  role('system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [r(['certificates.k8s.io'], ['certificatesigningrequests/selfnodeclient'], ['create'])]),
  role('system:certificates.k8s.io:kube-apiserver-client-approver', [r(['certificates.k8s.io'], ['signers'], ['approve'], ['kubernetes.io/kube-apiserver-client'])]),
  role('system:certificates.k8s.io:kube-apiserver-client-kubelet-approver', [r(['certificates.k8s.io'], ['signers'], ['approve'], ['kubernetes.io/kube-apiserver-client-kubelet'])]),
  role('system:certificates.k8s.io:kubelet-serving-approver', [r(['certificates.k8s.io'], ['signers'], ['approve'], ['kubernetes.io/kubelet-serving'])]),
  role('system:certificates.k8s.io:legacy-unknown-approver', [r(['certificates.k8s.io'], ['signers'], ['approve'], ['kubernetes.io/legacy-unknown'])]),
];

const group = (name: string): Subject => ({ apiGroup: RBAC_GROUP, kind: 'Group', name });
const user = (name: string): Subject => ({ apiGroup: RBAC_GROUP, kind: 'User', name });

function binding(name: string, roleName: string, subjects: Subject[]): ClusterRoleBinding {
  return {
    apiVersion: `${RBAC_GROUP}/v1`, kind: 'ClusterRoleBinding',
    metadata: { name, labels: { ...defaultsLabel }, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: roleName },
    ...(subjects.length ? { subjects } : {}),
  };
}

/** the groups every skiff node agent authenticates with (join token, bootstrap token) */
export const NODE_GROUPS = ['system:nodes', 'system:bootstrappers:skiff:default-node-token'];

export const bootstrapClusterRoleBindings: ClusterRoleBinding[] = [
  binding('cluster-admin', 'cluster-admin', [group('system:masters')]),
  binding('system:basic-user', 'system:basic-user', [group('system:authenticated')]),
  binding('system:discovery', 'system:discovery', [group('system:authenticated')]),
  binding('system:public-info-viewer', 'system:public-info-viewer', [group('system:authenticated'), group('system:unauthenticated')]),
  binding('system:monitoring', 'system:monitoring', [group('system:monitoring')]),
  binding('system:service-account-issuer-discovery', 'system:service-account-issuer-discovery', [group('system:serviceaccounts')]),
  binding('system:kube-controller-manager', 'system:kube-controller-manager', [user('system:kube-controller-manager')]),
  binding('system:kube-scheduler', 'system:kube-scheduler', [user('system:kube-scheduler')]),
  binding('system:volume-scheduler', 'system:volume-scheduler', [user('system:kube-scheduler')]),
  binding('system:kube-dns', 'system:kube-dns', [{ kind: 'ServiceAccount', name: 'kube-dns', namespace: 'kube-system' }]),
  binding('system:node', 'system:node', []),
  binding('system:node-proxier', 'system:node-proxier', [user('system:kube-proxy')]),
  binding('skiff:nodes', 'system:node', NODE_GROUPS.map(group)),
];
