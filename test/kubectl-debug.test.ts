// kubectl debug with ephemeral containers (issue 14, misc), on a real node: `kubectl debug -it <pod>
// --image=busybox:<tag> --target=<c>` adds an ephemeral container through pods/ephemeralcontainers, the
// kubelet starts it in the target container's PID namespace (its ps shows the target's process), kubectl
// attaches a terminal to it; once it exits it stays exited (never restarted) and the pod keeps running.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, KUBECTL, type ControlPlane } from './cluster-harness.ts';
import { runPtyDialog, waitFor } from './harness.ts';
import { startNode, loadBusybox, type TestNode } from './kubelet-harness.ts';

const IMAGE = 'busybox:debug-test';
let cp: ControlPlane;
let node: TestNode;

before(async () => {
  cp = await startControlPlane();
  node = await startNode(cp.kubeconfig);
  await waitFor('the node Ready', async () => {
    const n = await cp.kjson(['get', 'node', node.name]).catch(() => undefined);
    return n?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');
  }, 60_000, 200);
  await loadBusybox(node, IMAGE);
});

after(async () => {
  await cp?.kubectl(['delete', 'pods', '--all', '--wait=true', '--timeout=60s'], { timeoutMs: 90_000 }).catch(() => undefined);
  await node?.cleanup();
  await cp?.cleanup();
});

test('kubectl debug -it --target: a shell in an ephemeral container that sees the target\'s processes', { timeout: 180_000 }, async () => {
  let r = await cp.kubectl(['run', 'web', `--image=${IMAGE}`, '--image-pull-policy=IfNotPresent', `--overrides={"spec":{"nodeName":"${node.name}"}}`, '--', 'sleep', '3600']);
  assert.equal(r.code, 0, r.stderr);
  await waitFor('web Running', async () => (await cp.kjson(['get', 'pod', 'web'])).status?.phase === 'Running', 60_000, 300);

  r = await runPtyDialog([KUBECTL, '--kubeconfig', cp.kubeconfig, 'debug', '-it', 'web', `--image=${IMAGE}`, '--image-pull-policy=IfNotPresent', '--target=web', '--', 'sh'], [
    { expect: '# ', input: 'ps -o pid,args | grep -c "[s]leep 3600"; echo "pid1=$(cat /proc/1/cmdline | tr "\\0" " ")"; exit\r' },
  ], { timeoutMs: 90_000 });
  assert.equal(r.code, 0, r.stdout);
  // the target's `sleep 3600` is in the debugger's process list, and is its PID 1
  assert.match(r.stdout, /\r?\n1\r?\n/, r.stdout);
  assert.match(r.stdout, /pid1=sleep 3600/, r.stdout);

  const pod = await cp.kjson(['get', 'pod', 'web']);
  const [eph] = pod.spec.ephemeralContainers;
  assert.match(eph.name, /^debugger-/);
  assert.equal(eph.targetContainerName, 'web');
  assert.equal(eph.tty, true);
  const st = await waitFor('the debugger exited', async () => {
    const p = await cp.kjson(['get', 'pod', 'web']);
    const s = (p.status.ephemeralContainerStatuses ?? []).find((x: any) => x.name === eph.name);
    return s?.state?.terminated ? { s, p } : undefined;
  }, 30_000, 300);
  assert.equal(st.s.state.terminated.exitCode, 0);
  assert.equal(st.s.ready, false);
  assert.equal(st.p.status.phase, 'Running', 'the pod runs on');
  assert.equal(st.p.status.containerStatuses[0].restartCount, 0);
  // never restarted: it stays terminated
  await new Promise((ok) => setTimeout(ok, 2000));
  const later = (await cp.kjson(['get', 'pod', 'web'])).status.ephemeralContainerStatuses[0];
  assert.ok(later.state.terminated, JSON.stringify(later.state));

  // a target that is not in the pod: kube's field error
  r = await cp.kubectl(['debug', 'web', `--image=${IMAGE}`, '--target=nope', '--', 'true']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /spec\.ephemeralContainers\[1\]\.targetContainerName: Not found: "nope"/);
});
