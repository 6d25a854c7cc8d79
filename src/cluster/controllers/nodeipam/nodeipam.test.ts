import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'kubernetes-types/core/v1.js';
import { R } from '../../types/gvr.ts';
import { eventually, makeNode, testContext, type TestContext } from '../../scheduler/testing.ts';
import { createCidrSet, createNodeIpamController } from './index.ts';

const withCidr = (name: string, cidr: string) => ({ ...makeNode(name), spec: { podCIDR: cidr, podCIDRs: [cidr] } });
const cidrOf = (ctx: TestContext, name: string) => (ctx.client.objects(R.nodes).find((n) => n.metadata?.name === name) as Node | undefined)?.spec?.podCIDR;

function start(ctx: TestContext, clusterCIDR: string, nodeMaskSize = 24) {
  const c = createNodeIpamController(ctx, { clusterCIDR, nodeMaskSize });
  ctx.informers.start(ctx.signal);
  const done = c.run(ctx.signal);
  return async () => { ctx.stop(); await done; };
}

test('cidrset: subnets in order after the last one given, held ones skipped, released ones reused, a full set says so', () => {
  const s = createCidrSet('10.244.0.0/22', 24);
  assert.equal(s.size, 4);
  assert.equal(s.occupy('10.244.1.0/24'), true);
  assert.equal(s.occupy('10.245.0.0/24'), false, 'outside the cluster CIDR');
  assert.equal(s.occupy('10.244.2.0/25'), false, 'not one of the subnets');
  assert.deepEqual([s.allocate(), s.allocate(), s.allocate(), s.allocate()], ['10.244.0.0/24', '10.244.2.0/24', '10.244.3.0/24', undefined]);
  s.release('10.244.2.0/24');
  assert.equal(s.allocate(), '10.244.2.0/24');
  assert.throws(() => createCidrSet('10.244.0.0/16', 8), /invalid node CIDR mask size 8 for the cluster CIDR 10.244.0.0\/16: use 16-30/);
  assert.throws(() => createCidrSet('10.244.0.0', 24), /invalid cluster CIDR "10.244.0.0"/);
});

test('Nodes without a podCIDR get free subnets, held ones are kept, a deleted Node frees its subnet', async () => {
  const ctx = testContext([withCidr('given', '10.50.0.0/24'), makeNode('a'), withCidr('elsewhere', '192.168.9.0/24')]);
  const stop = start(ctx, '10.50.0.0/23');
  try {
    assert.equal(await eventually(() => cidrOf(ctx, 'a'), 'a podCIDR for a'), '10.50.1.0/24', 'the held 10.50.0.0/24 is skipped');
    const a = ctx.client.objects(R.nodes).find((n) => n.metadata?.name === 'a') as Node;
    assert.deepEqual(a.spec?.podCIDRs, ['10.50.1.0/24']);
    assert.equal(cidrOf(ctx, 'elsewhere'), '192.168.9.0/24', 'a podCIDR outside the range is left alone');
    // the range is full: a new node waits, with kube's event
    await ctx.client.create(R.nodes, undefined, makeNode('b'));
    await eventually(() => ctx.events.some((e) => e.reason === 'CIDRNotAvailable' && e.object === 'b' && e.message === 'Node b status is now: CIDRNotAvailable'), 'CIDRNotAvailable');
    assert.equal(cidrOf(ctx, 'b'), undefined);
    await ctx.client.delete(R.nodes, undefined, 'given');
    assert.equal(await eventually(() => cidrOf(ctx, 'b'), 'the waiting b gets the freed subnet', 3000), '10.50.0.0/24');
    const patches = ctx.client.actions.filter((x) => x.verb === 'patch' && x.resource === 'nodes');
    assert.equal(patches.filter((x) => x.name === 'a').length, 1, 'one write per node');
  } finally { await stop(); }
});
