import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { authorizeRequest, authorizeUpgrade } from './authorize.ts';
import { createRbacAuthorizer } from '../../rbac/index.ts';

const auth = createRbacAuthorizer({
  clusterRoleBindings: () => [{ metadata: { name: 'b' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'r' }, subjects: [{ kind: 'User', name: 'u' }] }],
  roleBindings: () => [],
  clusterRole: () => ({ metadata: { name: 'r' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods', 'pods/exec'] }] }),
  role: () => undefined,
});
const req = (method: string, url: string, headers: Record<string, string[]> = {}) => ({ method, url, headersDistinct: headers }) as unknown as IncomingMessage;
const u = { name: 'u', groups: ['system:authenticated'] };

test('a WebSocket exec (GET) also needs create on pods/exec, as kube 1.32', () => {
  const url = new URL('http://x/api/v1/namespaces/a/pods/p/exec?command=sh');
  assert.equal(authorizeRequest(req('GET', url.href), url, u, auth), u, 'get alone is allowed');
  assert.throws(() => authorizeUpgrade(req('GET', url.href), url, u, auth),
    /pods "p" is forbidden: User "u" cannot create resource "pods\/exec" in API group "" in the namespace "a"/);
  assert.throws(() => authorizeRequest(req('GET', 'http://x/api/v1/namespaces/a/pods', {}), new URL('http://x/api/v1/namespaces/a/pods'), u, auth), /cannot list resource "pods"/);
  assert.equal(authorizeRequest(req('GET', '/x', {}), new URL('http://x/x'), u, undefined), u, 'no authorizer: all allowed');
});
