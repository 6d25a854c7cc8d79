// PriorityClass, RuntimeClass and the CSI kinds with the real kubectl (issue 14, misc), and /openapi/v2: the two built-in
// system-*-critical classes, kube's columns, defaults and refusals; a pod's priority resolved from its
// PriorityClass (or the global default), an unknown class refused, one global default only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane } from './cluster-harness.ts';
import { waitFor } from './harness.ts';

const pod = (name: string, priorityClassName?: string) => `
apiVersion: v1
kind: Pod
metadata: { name: ${name} }
spec:
  ${priorityClassName ? `priorityClassName: ${priorityClassName}` : ''}
  containers: [{ name: c, image: busybox:1 }]
`;

test('priority and runtime classes, CSI drivers, nodes and attachments as kube serves them', { timeout: 120_000 }, async () => {
  const cp = await startControlPlane();
  try {
    const k = async (args: string[], input?: string) => cp.kubectl(args, input ? { input } : {});
    let r = await k(['get', 'priorityclass']);
    assert.match(r.stdout, /^NAME\s+VALUE\s+GLOBAL-DEFAULT\s+AGE\s+PREEMPTIONPOLICY\n/);
    assert.match(r.stdout, /system-cluster-critical\s+2000000000\s+false\s+\S+\s+PreemptLowerPriority/);
    assert.match(r.stdout, /system-node-critical\s+2000001000\s+false\s+\S+\s+PreemptLowerPriority/);

    r = await k(['create', 'priorityclass', 'high', '--value=1000', '--global-default', '--description=important']);
    assert.equal(r.code, 0, r.stderr);
    r = await k(['create', 'priorityclass', 'other', '--value=5', '--global-default']);
    assert.match(r.stderr, /priorityclasses.scheduling.k8s.io "other" is forbidden: PriorityClass high is already marked as default. Only one default can exist/);
    r = await k(['create', 'priorityclass', 'system-mine', '--value=5']);
    assert.match(r.stderr, /metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class/);
    r = await k(['create', 'priorityclass', 'huge', '--value=2000000000']);
    assert.match(r.stderr, /value: Forbidden: maximum allowed value of a user defined priority is 1000000000/);
    r = await k(['patch', 'priorityclass', 'high', '-p', '{"value":7}']);
    assert.match(r.stderr, /value: Forbidden: may not be changed in an update./);

    // pods: the class's value, the global default's when none is named, an unknown class refused
    await waitFor('the default ServiceAccount', async () => (await k(['get', 'serviceaccount', 'default'])).code === 0, 30_000, 200);
    assert.equal((await k(['create', '-f', '-'], pod('crit', 'system-node-critical'))).code, 0);
    assert.equal((await k(['create', '-f', '-'], pod('plain'))).code, 0);
    const crit = await cp.kjson(['get', 'pod', 'crit']);
    assert.deepEqual([crit.spec.priority, crit.spec.preemptionPolicy], [2000001000, 'PreemptLowerPriority']);
    const plain = await cp.kjson(['get', 'pod', 'plain']);
    assert.deepEqual([plain.spec.priorityClassName, plain.spec.priority], ['high', 1000]);
    r = await k(['create', '-f', '-'], pod('lost', 'nope'));
    assert.match(r.stderr, /pods "lost" is forbidden: no PriorityClass with name nope was found/);

    // RuntimeClass: handler a DNS label, immutable
    r = await k(['create', '-f', '-'], 'apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata: { name: gvisor }\nhandler: runsc\n');
    assert.equal(r.code, 0, r.stderr);
    assert.match((await k(['get', 'runtimeclass'])).stdout, /^NAME\s+HANDLER\s+AGE\ngvisor\s+runsc\s+/);
    r = await k(['patch', 'runtimeclass', 'gvisor', '-p', '{"handler":"crun"}']);
    assert.match(r.stderr, /handler: Invalid value: "crun": field is immutable/);
    r = await k(['create', '-f', '-'], 'apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata: { name: bad }\nhandler: Not_A_Label\n');
    assert.match(r.stderr, /handler: Invalid value: "Not_A_Label": a lowercase RFC 1123 label/);

    // CSI: defaults and columns
    r = await k(['create', '-f', '-'], 'apiVersion: storage.k8s.io/v1\nkind: CSIDriver\nmetadata: { name: hostpath.csi.k8s.io }\nspec: {}\n');
    assert.equal(r.code, 0, r.stderr);
    const drv = await cp.kjson(['get', 'csidriver', 'hostpath.csi.k8s.io']);
    assert.deepEqual([drv.spec.attachRequired, drv.spec.podInfoOnMount, drv.spec.fsGroupPolicy, drv.spec.volumeLifecycleModes], [true, false, 'ReadWriteOnceWithFSType', ['Persistent']]);
    assert.match((await k(['get', 'csidriver'])).stdout, /^NAME\s+ATTACHREQUIRED\s+PODINFOONMOUNT\s+STORAGECAPACITY\s+TOKENREQUESTS\s+REQUIRESREPUBLISH\s+MODES\s+AGE\nhostpath.csi.k8s.io\s+true\s+false\s+false\s+<unset>\s+false\s+Persistent\s+/);
    r = await k(['create', '-f', '-'], 'apiVersion: storage.k8s.io/v1\nkind: CSINode\nmetadata: { name: n1 }\nspec: { drivers: [{ name: hostpath.csi.k8s.io, nodeID: n1 }] }\n');
    assert.equal(r.code, 0, r.stderr);
    assert.match((await k(['get', 'csinode'])).stdout, /n1\s+1\s+/);
    r = await k(['create', '-f', '-'], 'apiVersion: storage.k8s.io/v1\nkind: VolumeAttachment\nmetadata: { name: va1 }\nspec: { attacher: hostpath.csi.k8s.io, nodeName: n1, source: { persistentVolumeName: pv1 } }\n');
    assert.equal(r.code, 0, r.stderr);
    assert.match((await k(['get', 'volumeattachment'])).stdout, /^NAME\s+ATTACHER\s+PV\s+NODE\s+ATTACHED\s+AGE\nva1\s+hostpath.csi.k8s.io\s+pv1\s+n1\s+false\s+/);
    r = await k(['create', '-f', '-'], 'apiVersion: storage.k8s.io/v1\nkind: VolumeAttachment\nmetadata: { name: va2 }\nspec: { attacher: x, source: {} }\n');
    assert.match(r.stderr, /spec.source: Required value: must specify exactly one of inlineVolumeSpec and persistentVolumeName/);
    assert.match(r.stderr, /spec.nodeName: Required value/);

    // /openapi/v2 as JSON, made from the v3 documents (kubectl explain keeps reading v3)
    r = await k(['get', '--raw', '/openapi/v2']);
    const v2 = JSON.parse(r.stdout);
    assert.equal(v2.swagger, '2.0');
    assert.deepEqual(v2.definitions['io.k8s.api.scheduling.v1.PriorityClass']['x-kubernetes-group-version-kind'], [{ group: 'scheduling.k8s.io', kind: 'PriorityClass', version: 'v1' }]);
    r = await k(['explain', 'priorityclass.preemptionPolicy']);
    assert.match(r.stdout, /preemptionPolicy is the Policy for preempting pods with lower priority/);
  } finally {
    await cp.cleanup();
  }
});
