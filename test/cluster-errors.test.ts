// Bad input to the control plane: kubectl prints Kubernetes' own errors, and nothing partial is stored.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, type ControlPlane } from './cluster-harness.ts';

const deploy = (o: { name?: string; replicas?: number | string; extra?: string; ns?: string; labels?: string } = {}) => `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${o.name ?? 'web'}
${o.ns ? `  namespace: ${o.ns}\n` : ''}spec:
  replicas: ${o.replicas ?? 1}
${o.extra ?? ''}  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: ${o.labels ?? 'web'} }
    spec:
      containers:
      - name: web
        image: busybox
`;

describe('control plane bad input (kubectl)', { timeout: 300_000 }, () => {
  let cp: ControlPlane;
  before(async () => {
    cp = await startControlPlane();
  });
  after(async () => {
    await cp?.cleanup();
  });

  const nothingStored = async () => {
    const r = await cp.kjson(['get', 'deploy,rs,pods', '-A']);
    assert.deepEqual(r.items.map((i: any) => i.metadata.name), []);
  };

  it('replicas -1 is Invalid with the field path', async () => {
    const r = await cp.kubectl(['apply', '-f', '-'], { input: deploy({ replicas: -1 }) });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /The Deployment "web" is invalid: spec\.replicas: Invalid value: -1: must be greater than or equal to 0/);
    await nothingStored();
  });

  it('a selector that does not match the template labels is Invalid', async () => {
    const r = await cp.kubectl(['create', '-f', '-'], { input: deploy({ labels: 'other' }) });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /The Deployment "web" is invalid: spec\.template\.metadata\.labels: Invalid value: map\[string\]string\{"app":"other"\}: `selector` does not match template `labels`/);
    await nothingStored();
  });

  it('an invalid name is refused with the RFC 1123 message', async () => {
    const r = await cp.kubectl(['create', '-f', '-'], { input: deploy({ name: 'Bad_Name' }) });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /The Deployment "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters/);
    await nothingStored();
  });

  it('an unknown field is a strict decoding error', async () => {
    const r = await cp.kubectl(['apply', '-f', '-'], { input: deploy({ extra: '  replica: 3\n' }) });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /unknown field "spec\.replica"/);
    await nothingStored();
  });

  it('an unknown kind is refused by discovery', async () => {
    const r = await cp.kubectl(['apply', '-f', '-'], { input: deploy().replace('kind: Deployment', 'kind: Deploymnt') });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /no matches for kind "Deploymnt" in version "apps\/v1"/);
  });

  it('malformed YAML is reported', async () => {
    const r = await cp.kubectl(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n' });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /error (converting YAML to JSON|parsing)/);
  });

  it('a missing namespace is NotFound', async () => {
    const r = await cp.kubectl(['create', '-f', '-'], { input: deploy({ ns: 'nope' }) });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /namespaces "nope" not found/);
    await nothingStored();
  });

  it('a stale resourceVersion is a Conflict', async () => {
    assert.equal((await cp.kubectl(['create', '-f', '-'], { input: deploy() })).code, 0);
    const cur = await cp.kjson(['get', 'deploy', 'web']);
    const stale = { ...cur, metadata: { ...cur.metadata, resourceVersion: String(Number(cur.metadata.resourceVersion) - 1) } };
    const r = await cp.kubectl(['replace', '-f', '-'], { input: JSON.stringify(stale) });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Operation cannot be fulfilled on deployments\.apps "web": the object has been modified; please apply your changes to the latest version and try again/);
    const after = await cp.kjson(['get', 'deploy', 'web']);
    assert.equal(after.metadata.resourceVersion, cur.metadata.resourceVersion);
    assert.equal((await cp.kubectl(['delete', 'deploy', 'web'])).code, 0);
  });

  it('a wrong token is Unauthorized', async () => {
    const r = await cp.kubectl(['--token', 'nope', 'get', 'pods']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Unauthorized|must be logged in/);
  });
});
