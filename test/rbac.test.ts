// Must-show 2: RBAC with the real kubectl. A ServiceAccount bound to a namespaced Role lists pods there and is
// forbidden elsewhere, with the token `kubectl create token` gives it; `kubectl auth can-i` (impersonating it)
// answers both; a bootstrap-token user bound the same way; escalation, impersonation, aggregation and the
// reviews as kube has them.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { waitFor } from './harness.ts';
import { startControlPlane, type ControlPlane } from './cluster-harness.ts';

describe('RBAC with kubectl', { timeout: 300_000 }, () => {
  let cp: ControlPlane;
  // a bootstrap token (a Secret in kube-system): a non-admin user with a bearer token of its own
  const id = randomBytes(3).toString('hex');
  const token = `${id}.${randomBytes(8).toString('hex')}`;
  const tokenUser = `system:bootstrap:${id}`;
  before(async () => {
    cp = await startControlPlane();
    await ok(['create', 'namespace', 'team-a']);
    await ok(['create', 'namespace', 'team-b']);
    await ok(['-n', 'kube-system', 'create', 'secret', 'generic', `bootstrap-token-${id}`, '--type=bootstrap.kubernetes.io/token',
      `--from-literal=token-id=${id}`, `--from-literal=token-secret=${token.split('.')[1]}`, '--from-literal=usage-bootstrap-authentication=true']);
  });
  after(async () => {
    await cp?.cleanup();
  });

  const ok = (args: string[], input?: string) => cp.ok(args, input);
  const fails = async (args: string[]) => {
    const r = await cp.kubectl(args);
    assert.notEqual(r.code, 0, `kubectl ${args.join(' ')} should fail: ${r.stdout}`);
    return r.stderr;
  };
  /** the answer of `kubectl auth can-i` (yes: exit 0, no: exit 1) */
  const canI = async (args: string[]) => (await cp.kubectl(['auth', 'can-i', ...args])).stdout.trim();

  it('a ServiceAccount bound to a Role in its namespace may list pods there and nowhere else', async () => {
    await ok(['-n', 'team-a', 'create', 'serviceaccount', 'reader']);
    await ok(['-n', 'team-a', 'create', 'role', 'pod-reader', '--verb=get,list,watch', '--resource=pods']);
    await ok(['-n', 'team-a', 'create', 'rolebinding', 'reader', '--role=pod-reader', '--serviceaccount=team-a:reader']);
    const as = '--as=system:serviceaccount:team-a:reader';
    await waitFor('the binding in the authorizer', async () => (await canI(['list', 'pods', '-n', 'team-a', as])) === 'yes', 10_000, 100);
    assert.equal(await canI(['list', 'pods', '-n', 'team-b', as]), 'no');
    assert.equal(await canI(['delete', 'pods', '-n', 'team-a', as]), 'no');
    assert.equal(await canI(['list', 'pods', '-n', 'team-a']), 'yes', 'admin (system:masters) may do anything');
    assert.match(await ok(['get', 'pods', '-n', 'team-a', as]), /^$/);
    // its own token (kubectl create token: a ServiceAccount JWT) does the same over the wire
    const jwt = (await ok(['-n', 'team-a', 'create', 'token', 'reader'])).trim();
    assert.match((await cp.kubectl(['--token', jwt, 'get', 'pods', '-n', 'team-a'])).stderr, /No resources found in team-a namespace/);
    assert.match(await fails(['--token', jwt, 'get', 'pods', '-n', 'team-b']),
      /Error from server \(Forbidden\): pods is forbidden: User "system:serviceaccount:team-a:reader" cannot list resource "pods" in API group "" in the namespace "team-b"/);
    assert.match(await ok(['--token', jwt, 'auth', 'whoami']), /system:serviceaccounts:team-a/);
    assert.equal((await cp.kubectl(['--token', jwt, 'auth', 'can-i', 'list', 'pods', '-n', 'team-b'])).stdout.trim(), 'no');
    assert.match(await fails(['get', 'pods', '-n', 'team-b', as]),
      /Error from server \(Forbidden\): pods is forbidden: User "system:serviceaccount:team-a:reader" cannot list resource "pods" in API group "" in the namespace "team-b"/);
    assert.match(await fails(['get', 'pods', '-n', 'team-a', 'nope', as]),
      /pods "nope" is forbidden|pods "nope" not found/, 'get by name is allowed by the role: NotFound');
    const rules = await ok(['auth', 'can-i', '--list', '-n', 'team-a', as]);
    assert.match(rules, /^pods\s+\[\]\s+\[\]\s+\[get list watch\]$/m);
    assert.match(rules, /selfsubjectaccessreviews.authorization.k8s.io\s+\[\]\s+\[\]\s+\[create\]/);
  });

  it('a token user bound in one namespace works with its own token, is forbidden elsewhere, cannot impersonate', async () => {
    const who = await ok(['--token', token, 'auth', 'whoami']);
    assert.match(who, new RegExp(`Username\\s+${tokenUser}`));
    assert.match(await fails(['--token', token, 'get', 'pods', '-n', 'team-a']),
      new RegExp(`pods is forbidden: User "${tokenUser}" cannot list resource "pods" in API group "" in the namespace "team-a"`));
    await ok(['-n', 'team-a', 'create', 'rolebinding', 'tok', '--clusterrole=view', `--user=${tokenUser}`]);
    await waitFor('view in team-a', async () => (await cp.kubectl(['--token', token, 'get', 'pods', '-n', 'team-a'])).code === 0, 10_000, 100);
    // view is aggregated (system:aggregate-to-view): Deployments too, not Secrets
    await ok(['--token', token, 'get', 'deployments', '-n', 'team-a']);
    assert.match(await fails(['--token', token, 'get', 'secrets', '-n', 'team-a']), /secrets is forbidden/);
    assert.match(await fails(['--token', token, 'get', 'pods', '-n', 'team-b']), /in the namespace "team-b"/);
    assert.match(await fails(['--token', token, 'get', 'nodes']), new RegExp(`nodes is forbidden: User "${tokenUser}" cannot list resource "nodes" in API group "" at the cluster scope`));
    assert.match(await fails(['--token', token, 'get', 'pods', '-n', 'team-a', '--as=someone']),
      new RegExp(`users "someone" is forbidden: User "${tokenUser}" cannot impersonate resource "users" in API group "" at the cluster scope`));
    // discovery for every authenticated user (system:discovery), not a special case
    await ok(['--token', token, 'api-versions']);
  });

  it('escalation: a namespace admin grants only what it holds, unless allowed to bind/escalate', async () => {
    await ok(['-n', 'team-a', 'create', 'rolebinding', 'tok-admin', '--clusterrole=admin', `--user=${tokenUser}`]);
    await waitFor('admin in team-a', async () => (await cp.kubectl(['--token', token, 'get', 'secrets', '-n', 'team-a'])).code === 0, 10_000, 100);
    await ok(['--token', token, '-n', 'team-a', 'create', 'role', 'small', '--verb=get', '--resource=pods']);
    assert.match(await fails(['--token', token, '-n', 'team-a', 'create', 'role', 'big', '--verb=get', '--resource=nodes']),
      new RegExp(`roles.rbac.authorization.k8s.io "big" is forbidden: user "${tokenUser}" \\(groups=\\["system:bootstrappers" "system:authenticated"\\]\\) is attempting to grant RBAC permissions not currently held:\\n\\{APIGroups:\\[""\\], Resources:\\["nodes"\\], Verbs:\\["get"\\]\\}`));
    await ok(['--token', token, '-n', 'team-a', 'create', 'rolebinding', 'fine', '--role=small', '--user=x']);
    assert.match(await fails(['--token', token, '-n', 'team-a', 'create', 'rolebinding', 'grab', '--clusterrole=cluster-admin', '--user=x']),
      /rolebindings.rbac.authorization.k8s.io "grab" is forbidden: user "[^"]+" \(groups=.*\) is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\["\*"\], Resources:\["\*"\], Verbs:\["\*"\]\}\n\{NonResourceURLs:\["\*"\], Verbs:\["\*"\]\}/);
    assert.equal((await cp.kubectl(['get', 'rolebinding', 'grab', '-n', 'team-a'])).code, 1, 'nothing was stored');
    // the bind and escalate verbs lift the checks (kube's way to delegate granting)
    await ok(['create', 'clusterrole', 'delegate', '--verb=bind,escalate', '--resource=clusterroles.rbac.authorization.k8s.io,roles.rbac.authorization.k8s.io']);
    await ok(['create', 'clusterrolebinding', `delegate-${id}`, '--clusterrole=delegate', `--user=${tokenUser}`]);
    await waitFor('bind allowed', async () => (await cp.kubectl(['--token', token, '-n', 'team-a', 'create', 'rolebinding', 'grab', '--clusterrole=cluster-admin', '--user=x'])).code === 0, 10_000, 100);
    await ok(['--token', token, '-n', 'team-a', 'create', 'role', 'big', '--verb=get', '--resource=nodes']);
  });

  it('the reviews are answered and never stored: TokenReview, SubjectAccessReview, whoami', async () => {
    const review = (obj: object) => ok(['create', '-f', '-', '-o', 'json'], JSON.stringify(obj));
    const tr = JSON.parse(await review({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } }));
    assert.equal(tr.status.authenticated, true);
    assert.equal(tr.status.user.username, tokenUser);
    assert.deepEqual(tr.status.user.groups, ['system:bootstrappers', 'system:authenticated']);
    const bad = JSON.parse(await review({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 'abcdef.0000000000000000' } }));
    assert.equal(bad.status.authenticated, false);
    // a ServiceAccount token for another audience: good for that audience only
    const vault = (await ok(['-n', 'team-a', 'create', 'token', 'reader', '--audience=vault'])).trim();
    const forVault = JSON.parse(await review({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: vault, audiences: ['vault', 'other'] } }));
    assert.deepEqual([forVault.status.authenticated, forVault.status.audiences, forVault.status.user.username], [true, ['vault'], 'system:serviceaccount:team-a:reader']);
    const forApi = JSON.parse(await review({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: vault } }));
    assert.equal(forApi.status.authenticated, false);
    const sar = JSON.parse(await review({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
      spec: { user: 'system:serviceaccount:team-a:reader', groups: ['system:serviceaccounts'], resourceAttributes: { namespace: 'team-a', verb: 'watch', resource: 'pods' } } }));
    assert.equal(sar.status.allowed, true);
    assert.match(sar.status.reason, /RBAC: allowed by RoleBinding "reader\/team-a" of Role "pod-reader" to ServiceAccount "reader\/team-a"/);
    const invalid = await cp.kubectl(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { resourceAttributes: { verb: 'get' } } }) });
    assert.match(invalid.stderr, /spec.user: Invalid value: "": at least one of user or group must be specified/);
    const who = await ok(['auth', 'whoami', '-o', 'json']);
    assert.deepEqual(JSON.parse(who).status.userInfo.groups, ['system:masters', 'system:authenticated']);
  });

  it('every node agent still gets its rules: system:node bound to the node groups', async () => {
    const nodeUser = ['--as=skiff-node-join', '--as-group=system:nodes', '--as-group=system:authenticated'];
    const allowed = [['create', 'nodes'], ['patch', 'nodes', '--subresource=status'], ['watch', 'pods'], ['patch', 'pods', '--subresource=status'], ['create', 'leases.coordination.k8s.io'],
      ['update', 'endpointslices.discovery.k8s.io'], ['create', 'persistentvolumes'], ['watch', 'storageclasses.storage.k8s.io'], ['create', 'serviceaccounts', '--subresource=token'], ['create', 'events']];
    for (const args of allowed) assert.equal(await canI([...args, '-A', ...nodeUser]), 'yes', args.join(' '));
    // the same for a bootstrap-token agent (skiff token create's group)
    assert.equal(await canI(['patch', 'nodes', '--subresource=status', '--as=system:bootstrap:x', '--as-group=system:bootstrappers:skiff:default-node-token']), 'yes');
    assert.equal(await canI(['delete', 'namespaces', ...nodeUser]), 'no');
  });
});
