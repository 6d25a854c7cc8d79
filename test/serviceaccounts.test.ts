// Must-show 6 of issue 14, with the real kubectl: every namespace has a `default` ServiceAccount and the
// `kube-root-ca.crt` ConfigMap (restored when deleted or changed); `kubectl create token` gives a JWT that
// authenticates to the API server (curl from the host, verifying the server with the published ca.crt) until
// its account is deleted, and verifies with the key set of the issuer discovery documents; kube's refusals of a
// bad TokenRequest; a token Secret gets a long-lived token. On a real node, a pod finds its token, the CA
// and its namespace at /var/run/secrets/kubernetes.io/serviceaccount; the token (bound to the pod and its node)
// authenticates until the pod is deleted; automountServiceAccountToken: false mounts nothing; an account that
// does not exist is kube's 403.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from './cluster-harness.ts';
import { ok, run, uniqueName, waitFor } from './harness.ts';
import { startNode, loadBusybox, type TestNode } from './kubelet-harness.ts';

let cp: ControlPlane;
let caFile: string;
let node: TestNode | undefined;
const podNamespaces: string[] = [];

before(async () => {
  cp = await startControlPlane();
});

after(async () => {
  for (const ns of podNamespaces) await cp?.kubectl(['delete', 'pods', '--all', '-n', ns, '--wait=true', '--timeout=60s'], { timeoutMs: 90_000 }).catch(() => undefined);
  await node?.cleanup();
  await cp?.cleanup();
});

/** curl from the host with a bearer token, verifying the server with caFile; returns the HTTP code and body */
async function curl(path: string, token: string): Promise<{ code: number; body: string }> {
  const r = await run('curl', ['-sS', '--cacert', caFile, '-H', `Authorization: Bearer ${token}`, '-w', '\n%{http_code}', `https://127.0.0.1:${cp.port}${path}`], { timeoutMs: 20_000 });
  ok(r);
  const i = r.stdout.lastIndexOf('\n');
  return { code: Number(r.stdout.slice(i + 1)), body: r.stdout.slice(0, i) };
}

/** a Role that may read pods and its binding to the account */
const podReader = (ns: string, sa: string) => `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: pod-reader }
rules: [{ apiGroups: [""], resources: [pods], verbs: [get, list] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: ${sa}-reads-pods }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader }
subjects: [{ kind: ServiceAccount, name: ${sa}, namespace: ${ns} }]
`;

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));

test('every namespace has a default ServiceAccount and kube-root-ca.crt with the cluster CA; both come back', async () => {
  const ns = uniqueName('sa');
  ok(await cp.kubectl(['create', 'namespace', ns]));
  const ca = readFileSync(join(cp.root, 'tls', 'ca.crt'), 'utf8');
  await waitFor('default and kube-root-ca.crt in the new namespace', async () => {
    const r = await cp.kubectl(['get', 'serviceaccount/default', 'configmap/kube-root-ca.crt', '-n', ns, '-o', 'name']);
    return r.code === 0 && r.stdout.split('\n').filter(Boolean).length === 2;
  }, 30_000, 200);
  const sas = await cp.kjson(['get', 'serviceaccounts', '-A']);
  const cms = await cp.kjson(['get', 'configmaps', '-A', '--field-selector', 'metadata.name=kube-root-ca.crt']);
  const namespaces = (await cp.kjson(['get', 'namespaces'])).items.map((n: any) => n.metadata.name).sort();
  assert.ok(namespaces.includes('kube-system') && namespaces.includes(ns));
  assert.deepEqual([...new Set(sas.items.filter((s: any) => s.metadata.name === 'default').map((s: any) => s.metadata.namespace))].sort(), namespaces);
  assert.deepEqual(cms.items.map((c: any) => c.metadata.namespace).sort(), namespaces);
  for (const c of cms.items) assert.equal(c.data['ca.crt'], ca, `the CA in ${c.metadata.namespace}`);
  const table = await cp.kubectl(['get', 'sa', '-n', ns]);
  assert.match(table.stdout, /^NAME\s+SECRETS\s+AGE\ndefault\s+0\s+\S+\n$/);

  const uid = (await cp.kjson(['get', 'sa', 'default', '-n', ns])).metadata.uid;
  ok(await cp.kubectl(['delete', 'sa', 'default', '-n', ns]));
  ok(await cp.kubectl(['delete', 'configmap', 'kube-root-ca.crt', '-n', ns]));
  await waitFor('default made again', async () => (await cp.kjson(['get', 'sa', 'default', '-n', ns]).catch(() => undefined))?.metadata?.uid !== uid && true, 30_000, 200);
  await waitFor('kube-root-ca.crt made again', async () => (await cp.kjson(['get', 'cm', 'kube-root-ca.crt', '-n', ns]).catch(() => undefined))?.data?.['ca.crt'] === ca, 30_000, 200);
  ok(await cp.kubectl(['patch', 'configmap', 'kube-root-ca.crt', '-n', ns, '--type', 'merge', '-p', '{"data":{"ca.crt":"forged"}}']));
  await waitFor('kube-root-ca.crt restored', async () => (await cp.kjson(['get', 'cm', 'kube-root-ca.crt', '-n', ns])).data['ca.crt'] === ca, 30_000, 200);
});

test('kubectl create token: a JWT for the account that authenticates (curl with the published CA) while the account lives', async () => {
  const ns = uniqueName('tok');
  ok(await cp.kubectl(['create', 'namespace', ns]));
  ok(await cp.kubectl(['create', 'serviceaccount', 'bot', '-n', ns]));
  // the CA a pod gets: the namespace's kube-root-ca.crt
  caFile = join(cp.root, `${ns}-ca.crt`);
  const ca = await waitFor('kube-root-ca.crt', async () => (await cp.kjson(['get', 'cm', 'kube-root-ca.crt', '-n', ns]).catch(() => undefined))?.data?.['ca.crt'], 30_000, 200);
  writeFileSync(caFile, ca);
  // the account may list pods in its namespace (under RBAC this Role is what allows it)
  ok(await cp.kubectl(['apply', '-n', ns, '-f', '-'], { input: podReader(ns, 'bot') }));

  const t = await cp.kubectl(['create', 'token', 'bot', '-n', ns]);
  ok(t);
  const token = t.stdout.trim();
  const c = claimsOf(token);
  assert.equal(c.sub, `system:serviceaccount:${ns}:bot`);
  assert.equal(c.iss, 'https://kubernetes.default.svc.cluster.local');
  assert.deepEqual(c.aud, ['https://kubernetes.default.svc.cluster.local']);
  assert.equal(c.exp - c.iat, 3600, 'one hour by default');
  assert.equal(c['kubernetes.io'].serviceaccount.uid, (await cp.kjson(['get', 'sa', 'bot', '-n', ns])).metadata.uid);

  const pods = await curl(`/api/v1/namespaces/${ns}/pods`, token);
  assert.equal(pods.code, 200, pods.body);
  assert.equal(JSON.parse(pods.body).kind, 'PodList');
  const asKubectl = await run('kubectl', ['--server', `https://127.0.0.1:${cp.port}`, '--certificate-authority', caFile, '--token', token, 'get', 'pods', '-n', ns], { timeoutMs: 30_000 });
  assert.equal(asKubectl.code, 0, asKubectl.stderr);
  assert.match(asKubectl.stderr, /No resources found/);
  assert.equal((await curl(`/api/v1/namespaces/${ns}/pods`, `${token.slice(0, -4)}AAAA`)).code, 401, 'a forged signature');

  // issuer discovery: another party verifies the token with the published key set
  const config = await curl('/.well-known/openid-configuration', token);
  assert.equal(config.code, 200, config.body);
  assert.deepEqual(JSON.parse(config.body), {
    issuer: 'https://kubernetes.default.svc.cluster.local', jwks_uri: 'https://kubernetes.default.svc.cluster.local/openid/v1/jwks',
    response_types_supported: ['id_token'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'],
  });
  const jwks = await curl('/openid/v1/jwks', token);
  assert.equal(jwks.code, 200, jwks.body);
  const [jwk] = JSON.parse(jwks.body).keys;
  const [head, body, sig] = token.split('.');
  assert.equal(JSON.parse(Buffer.from(head, 'base64url').toString()).kid, jwk.kid);
  assert.ok(verify('sha256', Buffer.from(`${head}.${body}`), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(sig, 'base64url')), 'the token verifies with the published key');

  const longer = await cp.kubectl(['create', 'token', 'bot', '-n', ns, '--duration=2h', '--audience=vault']);
  ok(longer);
  const lc = claimsOf(longer.stdout.trim());
  assert.deepEqual([lc.aud, lc.exp - lc.iat], [['vault'], 7200]);
  assert.equal((await curl(`/api/v1/namespaces/${ns}/pods`, longer.stdout.trim())).code, 401, 'a token for another audience does not authenticate here');

  const short = await cp.kubectl(['create', 'token', 'bot', '-n', ns, '--duration=1m']);
  assert.notEqual(short.code, 0);
  assert.match(short.stderr, /TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes/);
  const missing = await cp.kubectl(['create', 'token', 'nobody', '-n', ns]);
  assert.match(missing.stderr, /serviceaccounts "nobody" not found/);
  const unbound = await cp.kubectl(['create', 'token', 'bot', '-n', ns, '--bound-object-kind=Pod', '--bound-object-name=nope']);
  assert.match(unbound.stderr, /pods "nope" not found/);

  ok(await cp.kubectl(['delete', 'sa', 'bot', '-n', ns]));
  await waitFor('the token refused once its account is gone', async () => (await curl(`/api/v1/namespaces/${ns}/pods`, token)).code === 401, 10_000, 200);
  ok(await cp.kubectl(['create', 'serviceaccount', 'bot', '-n', ns]));
  assert.equal((await curl(`/api/v1/namespaces/${ns}/pods`, token)).code, 401, 'an account of the same name made again is another account');
});

test('a Secret of type kubernetes.io/service-account-token gets a long-lived token that works while its account lives', async () => {
  const ns = uniqueName('legacy');
  ok(await cp.kubectl(['create', 'namespace', ns]));
  ok(await cp.kubectl(['create', 'serviceaccount', 'robot', '-n', ns]));
  ok(await cp.kubectl(['apply', '-n', ns, '-f', '-'], { input: `${podReader(ns, 'robot')}---
apiVersion: v1
kind: Secret
type: kubernetes.io/service-account-token
metadata: { name: robot-token, annotations: { kubernetes.io/service-account.name: robot } }
` }));
  const secret = await waitFor('the token filled in', async () => {
    const s = await cp.kjson(['get', 'secret', 'robot-token', '-n', ns]);
    return s.data?.token ? s : undefined;
  }, 30_000, 200);
  const decode = (k: string) => Buffer.from(secret.data[k], 'base64').toString('utf8');
  assert.equal(decode('namespace'), ns);
  caFile = join(cp.root, `${ns}-ca.crt`);
  writeFileSync(caFile, decode('ca.crt'));
  const token = decode('token');
  assert.equal(claimsOf(token).iss, 'kubernetes/serviceaccount');
  assert.equal(claimsOf(token).exp, undefined, 'it does not expire');
  const pods = await curl(`/api/v1/namespaces/${ns}/pods`, token);
  assert.equal(pods.code, 200, pods.body);
  ok(await cp.kubectl(['delete', 'sa', 'robot', '-n', ns]));
  await waitFor('the Secret deleted with its account', async () => (await cp.kubectl(['get', 'secret', 'robot-token', '-n', ns])).code !== 0, 30_000, 200);
  assert.equal((await curl(`/api/v1/namespaces/${ns}/pods`, token)).code, 401);
});

test('a pod on a real node reads its token, the CA and its namespace; the token authenticates while the pod lives', async () => {
  node = await startNode(cp.kubeconfig);
  const ns = uniqueName('sapod');
  podNamespaces.push(ns);
  ok(await cp.kubectl(['create', 'namespace', ns]));
  ok(await cp.kubectl(['create', 'serviceaccount', 'reader', '-n', ns]));
  ok(await cp.kubectl(['apply', '-n', ns, '-f', '-'], { input: podReader(ns, 'reader') }));
  await waitFor('the node Ready', async () => (await cp.kjson(['get', 'node', node!.name]).catch(() => undefined))?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'), 60_000, 200);
  await loadBusybox(node, 'busybox:sa-test');
  const podYaml = (name: string, extra: string) => `apiVersion: v1
kind: Pod
metadata: { name: ${name} }
spec:
  nodeName: ${node!.name}
${extra}  containers: [{ name: c, image: "busybox:sa-test", imagePullPolicy: IfNotPresent, command: [sleep, "3600"] }]
`;
  ok(await cp.kubectl(['apply', '-n', ns, '-f', '-'], { input: `${podYaml('app', '  serviceAccountName: reader\n')}---\n${podYaml('quiet', '  automountServiceAccountToken: false\n')}` }));
  const ghost = await cp.kubectl(['run', 'ghost', '-n', ns, '--image=busybox:sa-test', '--overrides={"spec":{"serviceAccountName":"ghost"}}']);
  assert.notEqual(ghost.code, 0);
  assert.match(ghost.stderr, new RegExp(`pods "ghost" is forbidden: error looking up service account ${ns}/ghost: serviceaccount "ghost" not found`));

  const app = await cp.kjson(['get', 'pod', 'app', '-n', ns]);
  const vol = app.spec.volumes.find((v: any) => v.name.startsWith('kube-api-access-'));
  assert.ok(vol, 'the kube-api-access volume');
  assert.deepEqual(app.spec.containers[0].volumeMounts, [{ name: vol.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
  await waitFor('both pods Running', async () => {
    const pods = (await cp.kjson(['get', 'pods', '-n', ns])).items;
    return pods.length === 2 && pods.every((p: any) => p.status?.phase === 'Running');
  }, 90_000, 300);

  const dir = '/var/run/secrets/kubernetes.io/serviceaccount';
  const exec = async (pod: string, ...cmd: string[]) => cp.kubectl(['exec', '-n', ns, pod, '--', ...cmd]);
  const ls = await exec('app', 'ls', dir);
  ok(ls);
  assert.deepEqual(ls.stdout.split(/\s+/).filter(Boolean).sort(), ['ca.crt', 'namespace', 'token']);
  assert.equal((await exec('app', 'cat', `${dir}/namespace`)).stdout, ns);
  assert.equal((await exec('app', 'cat', `${dir}/ca.crt`)).stdout, readFileSync(join(cp.root, 'tls', 'ca.crt'), 'utf8'));
  const token = (await exec('app', 'cat', `${dir}/token`)).stdout;
  const c = claimsOf(token);
  assert.equal(c.sub, `system:serviceaccount:${ns}:reader`);
  assert.equal(c.exp - c.iat, 3607);
  assert.deepEqual(c['kubernetes.io'].pod, { name: 'app', uid: app.metadata.uid });
  assert.equal(c['kubernetes.io'].node.name, node.name);
  const env = (await exec('app', 'env')).stdout;
  assert.match(env, /^KUBERNETES_SERVICE_HOST=10\.43\.0\.1$/m);
  assert.match(env, /^KUBERNETES_SERVICE_PORT=443$/m);
  const quiet = await exec('quiet', 'ls', dir);
  assert.notEqual(quiet.code, 0, 'automountServiceAccountToken: false mounts nothing');

  // the pod's token, checked against the CA the pod was given, as an in-cluster client does
  caFile = join(cp.root, `${ns}-ca.crt`);
  writeFileSync(caFile, (await exec('app', 'cat', `${dir}/ca.crt`)).stdout);
  const pods = await curl(`/api/v1/namespaces/${ns}/pods`, token);
  assert.equal(pods.code, 200, pods.body);
  assert.deepEqual(JSON.parse(pods.body).items.map((p: any) => p.metadata.name).sort(), ['app', 'quiet']);
  ok(await cp.kubectl(['delete', 'pod', 'app', '-n', ns, '--grace-period=1', '--wait=true', '--timeout=60s'], { timeoutMs: 90_000 }));
  await waitFor('the token refused once its pod is gone', async () => (await curl(`/api/v1/namespaces/${ns}/pods`, token)).code === 401, 10_000, 200);
});
