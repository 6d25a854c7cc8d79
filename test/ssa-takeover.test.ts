// Server-side apply taking over from client-side apply (issue 14, misc), with the real kubectl v1.32 against a
// real `skiff server`: `kubectl apply` then `kubectl apply --server-side` of a changed manifest succeeds
// without --force-conflicts, the fields move from kubectl-client-side-apply to the Apply manager kubectl
// (kubectl's csaupgrade patch of managedFields), the last-applied annotation follows, and a field dropped from
// the manifest afterwards is removed — proof that kubectl owns it now. A field someone else changed since the
// client-side apply still conflicts, naming them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane } from './cluster-harness.ts';

const manifest = (name: string, replicas: number, image: string, extraLabel = true) => `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels: { app: ${name}${extraLabel ? ', tier: web' : ''} }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec: { containers: [{ name: c, image: ${image}, command: [sleep, '3600'] }] }
`;

const managers = (d: any) => d.metadata.managedFields.map((e: any) => `${e.manager}/${e.operation}${e.subresource ? `/${e.subresource}` : ''}`).sort();

test('kubectl apply --server-side takes over from kubectl apply without conflicts', { timeout: 180_000 }, async () => {
  const cp = await startControlPlane();
  try {
    const apply = async (yaml: string, ...flags: string[]) => cp.kubectl(['apply', ...flags, '-f', '-'], { input: yaml });
    let r = await apply(manifest('web', 2, 'busybox:1'));
    assert.equal(r.code, 0, r.stderr);
    const before = await cp.kjson(['get', 'deploy', 'web', '--show-managed-fields']);
    assert.ok(managers(before).includes('kubectl-client-side-apply/Update'), managers(before).join(' '));

    r = await apply(manifest('web', 3, 'busybox:2'), '--server-side');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /deployment.apps\/web serverside-applied/);
    const after = await cp.kjson(['get', 'deploy', 'web', '--show-managed-fields']);
    assert.equal(after.spec.replicas, 3);
    assert.equal(after.spec.template.spec.containers[0].image, 'busybox:2');
    const mine = managers(after).filter((m: string) => m.startsWith('kubectl'));
    assert.deepEqual(mine, ['kubectl-last-applied/Apply', 'kubectl/Apply'], managers(after).join(' '));
    const owned = JSON.stringify(after.metadata.managedFields.find((e: any) => e.manager === 'kubectl').fieldsV1);
    for (const f of ['f:replicas', 'f:image', 'f:tier', 'f:command']) assert.ok(owned.includes(f), `kubectl owns ${f}: ${owned}`);
    const last = JSON.parse(after.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
    assert.equal(last.spec.replicas, 3, 'the annotation follows the server-side apply');

    // kubectl owns the label now: dropping it from the manifest removes it
    r = await apply(manifest('web', 3, 'busybox:2', false), '--server-side');
    assert.equal(r.code, 0, r.stderr);
    const pruned = await cp.kjson(['get', 'deploy', 'web']);
    assert.deepEqual(pruned.metadata.labels, { app: 'web' });

    // a field changed by another manager since the client-side apply is still theirs
    assert.equal((await apply(manifest('db', 1, 'busybox:1'))).code, 0);
    r = await cp.kubectl(['set', 'image', 'deploy/db', 'c=busybox:9']);
    assert.equal(r.code, 0, r.stderr);
    r = await apply(manifest('db', 1, 'busybox:2'), '--server-side');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Apply failed with 1 conflict: conflict with "kubectl-set" using apps\/v1 at \S+: \.spec\.template\.spec\.containers\[name="c"\]\.image/);
  } finally {
    await cp.cleanup();
  }
});
