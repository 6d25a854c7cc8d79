// Must-show 1 of issue 14: a CustomResourceDefinition applied with the real kubectl, a custom object created,
// listed with its printer columns, rejected with kube's field-path message when it breaks the schema; and
// the rest of what a CRD does: defaults and pruning, status/scale subresources, short names and categories,
// a second version (conversion None), explain, and deleting the CRD removes its objects.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from './harness.ts';
import { startControlPlane, type ControlPlane } from './cluster-harness.ts';

const crd = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabs.stable.example.com
spec:
  group: stable.example.com
  scope: Namespaced
  names:
    plural: crontabs
    singular: crontab
    kind: CronTab
    shortNames: [ct]
    categories: [all]
  versions:
  - name: v1
    served: true
    storage: true
    selectableFields:
    - jsonPath: .spec.image
    subresources:
      status: {}
      scale:
        specReplicasPath: .spec.replicas
        statusReplicasPath: .status.replicas
        labelSelectorPath: .status.selector
    additionalPrinterColumns:
    - name: Spec
      type: string
      jsonPath: .spec.cronSpec
    - name: Replicas
      type: integer
      jsonPath: .spec.replicas
    - name: Age
      type: date
      jsonPath: .metadata.creationTimestamp
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [cronSpec]
            properties:
              cronSpec:
                type: string
                pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'
              image:
                type: string
              replicas:
                type: integer
                minimum: 1
                maximum: 10
                default: 1
              policy:
                type: string
                enum: [Always, Never]
          status:
            type: object
            properties:
              replicas: {type: integer}
              selector: {type: string}
  - name: v1beta1
    served: true
    storage: false
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
`;

const tab = (name: string, spec: string) => `
apiVersion: stable.example.com/v1
kind: CronTab
metadata:
  name: ${name}
spec:
${spec}
`;

describe('CustomResourceDefinitions with the real kubectl', { timeout: 240_000 }, () => {
  let cp: ControlPlane;
  before(async () => {
    cp = await startControlPlane();
  });
  after(async () => {
    await cp?.cleanup();
  });

  const ok = (args: string[], input?: string) => cp.ok(args, input);

  it('applies a CRD, creates a custom object, lists it with its printer columns, refuses a bad one', async () => {
    assert.match(await ok(['apply', '-f', '-'], crd), /customresourcedefinition.apiextensions.k8s.io\/crontabs.stable.example.com created/);
    await ok(['wait', '--for', 'condition=established', '--timeout=30s', 'crd/crontabs.stable.example.com']);
    const c = await cp.kjson(['get', 'crd', 'crontabs.stable.example.com']);
    assert.deepEqual(c.status.acceptedNames.shortNames, ['ct']);
    assert.deepEqual(c.status.storedVersions, ['v1']);
    assert.equal(c.status.conditions.find((x: any) => x.type === 'NamesAccepted').reason, 'NoConflicts');

    assert.match(await ok(['apply', '-f', '-'], tab('my-cron', '  cronSpec: "* * * * */5"\n  image: my-cron-image')), /crontab.stable.example.com\/my-cron created/);
    const out = await ok(['get', 'crontabs']);
    const [header, row] = out.trim().split('\n');
    assert.match(header, /^NAME\s+SPEC\s+REPLICAS\s+AGE$/);
    assert.match(row, /^my-cron\s+\* \* \* \* \*\/5\s+1\s+\d+s$/, 'the default replicas (1) shows in its column');
    assert.match(await ok(['get', 'ct', 'my-cron', '-o', 'name']), /crontab.stable.example.com\/my-cron/);

    const bad = await cp.kubectl(['apply', '-f', '-'], { input: tab('bad-cron', '  cronSpec: "* * * * *"\n  replicas: "three"') });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /The CronTab "bad-cron" is invalid: spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"/);
    const bad2 = await cp.kubectl(['create', '-f', '-'], { input: tab('bad2', '  cronSpec: "nope"\n  replicas: 11\n  policy: Sometimes') });
    assert.notEqual(bad2.code, 0);
    assert.match(bad2.stderr, /spec.cronSpec: Invalid value: "nope": spec.cronSpec in body should match/);
    assert.match(bad2.stderr, /spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10/);
    assert.match(bad2.stderr, /spec.policy: Unsupported value: "Sometimes": supported values: "Always", "Never"/);
    const missing = await cp.kubectl(['create', '-f', '-'], { input: tab('bad3', '  image: x') });
    assert.match(missing.stderr, /spec.cronSpec: Required value/);
    const unknown = await cp.kubectl(['create', '-f', '-'], { input: tab('bad4', '  cronSpec: "* * * * *"\n  colour: red') });
    assert.match(unknown.stderr, /unknown field "spec.colour"/);
    assert.equal((await cp.kubectl(['get', 'crontab', 'bad-cron'])).code, 1, 'nothing was stored');
  });

  it('prunes unknown fields, keeps status to /status, scales, and serves the second version', async () => {
    await ok(['create', '--validate=false', '-f', '-'], tab('pruned', '  cronSpec: "* * * * *"\n  colour: red'));
    const p = await cp.kjson(['get', 'crontab', 'pruned']);
    assert.equal(p.spec.colour, undefined);
    assert.equal(p.metadata.generation, 1);
    await ok(['scale', 'crontab', 'pruned', '--replicas=3']);
    assert.equal((await cp.kjson(['get', 'crontab', 'pruned'])).spec.replicas, 3);
    await ok(['patch', 'crontab', 'pruned', '--subresource=status', '--type=merge', '-p', '{"status":{"replicas":3,"selector":"app=x"}}']);
    const scale = JSON.parse(await ok(['get', '--raw', '/apis/stable.example.com/v1/namespaces/default/crontabs/pruned/scale']));
    assert.deepEqual([scale.spec.replicas, scale.status.replicas, scale.status.selector], [3, 3, 'app=x']);
    const v1beta1 = await cp.kjson(['get', 'crontabs.v1beta1.stable.example.com', 'pruned']);
    assert.equal(v1beta1.apiVersion, 'stable.example.com/v1beta1');
    assert.equal(v1beta1.spec.replicas, 3);
    assert.match(await ok(['get', 'all']), /crontab.stable.example.com\/my-cron/);
    assert.match(await ok(['explain', 'crontab.spec.replicas']), /FIELD: replicas <integer>/);
    assert.match(await ok(['api-resources', '--api-group=stable.example.com']), /crontabs\s+ct\s+stable.example.com\/v1\s+true\s+CronTab/);
    assert.deepEqual((await cp.kjson(['get', 'crontabs', '--field-selector', 'spec.image=my-cron-image'])).items.map((o: any) => o.metadata.name), ['my-cron']);
    // apply again (kubectl sends a merge patch: no strategic merge for custom kinds), then server-side
    assert.match(await ok(['apply', '-f', '-'], tab('my-cron', '  cronSpec: "* * * * */5"\n  image: v2')), /crontab.stable.example.com\/my-cron configured/);
    assert.match(await ok(['apply', '--server-side', '--force-conflicts', '-f', '-'], tab('my-cron', '  cronSpec: "* * * * */5"\n  image: v3\n  replicas: 2')), /serverside-applied/);
    const applied = await cp.kjson(['get', 'crontab', 'my-cron']);
    assert.deepEqual([applied.spec.image, applied.spec.replicas, applied.metadata.generation], ['v3', 2, 3]);
  });

  it('serves the custom kinds again right after a server restart', async () => {
    await cp.restart();
    assert.deepEqual((await cp.kjson(['get', 'crontabs'])).items.map((o: any) => o.metadata.name).sort(), ['my-cron', 'pruned']);
    const w = await cp.kubectl(['get', 'crontabs', '--watch-only', '--request-timeout=2s']);
    assert.doesNotMatch(w.stderr, /not find|NotFound/);
  });

  it('the garbage collector deletes what a custom object owns when it goes', async () => {
    await ok(['create', '-f', '-'], tab('owner', '  cronSpec: "* * * * *"'));
    const uid = (await cp.kjson(['get', 'crontab', 'owner'])).metadata.uid;
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'owned-svc', ownerReferences: [{ apiVersion: 'stable.example.com/v1', kind: 'CronTab', name: 'owner', uid }] }, spec: { ports: [{ port: 80 }] } };
    await ok(['create', '-f', '-'], JSON.stringify(svc));
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal((await cp.kubectl(['get', 'svc', 'owned-svc'])).code, 0, 'a live owner keeps it');
    await ok(['delete', 'crontab', 'owner']);
    await waitFor('the owned Service collected', async () => (await cp.kubectl(['get', 'svc', 'owned-svc'])).code !== 0, 30_000, 200);
  });

  it('refuses a CRD that breaks kube\'s rules, with its messages', async () => {
    const broken = crd.replace('name: crontabs.stable.example.com', 'name: tabs.stable.example.com').replace('storage: false', 'storage: true');
    const r = await cp.kubectl(['create', '-f', '-'], { input: broken });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /metadata.name: Invalid value: "tabs.stable.example.com": must be spec.names.plural\+"."\+spec.group/);
    assert.match(r.stderr, /spec.versions: Invalid value: .*must have exactly one version marked as storage version/);
  });

  it('deleting a namespace deletes the custom objects in it', async () => {
    await ok(['create', 'namespace', 'crd-ns']);
    await ok(['create', '-n', 'crd-ns', '-f', '-'], tab('in-ns', '  cronSpec: "* * * * *"'));
    await ok(['delete', 'namespace', 'crd-ns', '--timeout=60s']);
    assert.equal((await cp.kjson(['get', 'crontabs', '-A'])).items.filter((o: any) => o.metadata.namespace === 'crd-ns').length, 0);
  });

  it('deleting the CRD deletes its objects, then the kind is no longer served', async () => {
    await ok(['delete', 'crd', 'crontabs.stable.example.com', '--timeout=60s']);
    await waitFor('the kind gone from discovery', async () => (await cp.kubectl(['get', 'crontabs'])).code !== 0, 30_000, 200);
    // kubectl's discovery cache may still name the kind (then the list is a 404), as against kube
    assert.match((await cp.kubectl(['get', 'crontabs'])).stderr, /the server doesn't have a resource type "crontabs"|the server could not find the requested resource/);
    assert.equal((await cp.kubectl(['get', '--raw', '/apis/stable.example.com/v1/crontabs'])).code, 1);
    assert.doesNotMatch(await ok(['get', '--raw', '/apis']), /stable.example.com/);
    // recreated, it starts empty: the objects were deleted, not left behind
    await ok(['apply', '-f', '-'], crd);
    await ok(['wait', '--for', 'condition=established', '--timeout=30s', 'crd/crontabs.stable.example.com']);
    assert.equal((await cp.kjson(['get', 'crontabs', '-A'])).items.length, 0);
  });
});
