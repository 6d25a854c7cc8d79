import { test } from 'node:test';
import assert from 'node:assert/strict';
import { R } from '../types/gvr.ts';
import type { KObject } from '../types/meta.ts';
import { startTestRest } from '../apiserver/rest/testing.ts';
import { reconcileOnce, runEndpointReconciler } from './endpoint-reconciler.ts';

const sliceAddresses = async (rest: { get(r: typeof R.endpointslices, ns: string, name: string): Promise<KObject> }) =>
  ((await rest.get(R.endpointslices, 'default', 'kubernetes')).endpoints as { addresses: string[] }[]).flatMap((e) => e.addresses);

test('every server with a live lease on the port is an endpoint; expired leases drop out; a clean stop takes the server out', async () => {
  const t = await startTestRest();
  try {
    let clock = Date.parse('2026-12-05T05:00:00Z');
    const now = () => new Date(clock);
    const a = { rest: t.rest, address: '10.0.0.1', port: 6443, now };
    const b = { rest: t.rest, address: '10.0.0.2', port: 6443, now };
    const other = { rest: t.rest, address: '10.0.0.3', port: 7443, now };
    await reconcileOnce(b);
    await reconcileOnce(other);
    assert.deepEqual(await reconcileOnce(a), ['10.0.0.1', '10.0.0.2'], 'a server on another port is left out');
    assert.deepEqual(await reconcileOnce(other), ['10.0.0.1', '10.0.0.2'], 'a server on another port leaves the endpoints to the port they name');
    assert.deepEqual(await sliceAddresses(t.rest), ['10.0.0.1', '10.0.0.2']);
    const ep = await t.rest.get(R.endpoints, 'default', 'kubernetes');
    assert.deepEqual(ep.subsets, [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }]);
    // b stops renewing: past its 15 s it is gone
    clock += 16_000;
    assert.deepEqual(await reconcileOnce(a), ['10.0.0.1']);
    assert.deepEqual(await sliceAddresses(t.rest), ['10.0.0.1']);
    const rev = await t.rest.currentRevision();
    await t.rest.apiServerEndpoints(['10.0.0.1'], 6443);
    assert.equal(await t.rest.currentRevision(), rev, 'the same set writes nothing');
    // a running reconciler that stops removes its lease and itself
    const stop = new AbortController();
    const running = runEndpointReconciler({ ...a, intervalMs: 50 }, stop.signal);
    await new Promise((r) => setTimeout(r, 120));
    stop.abort();
    await running;
    assert.deepEqual(await sliceAddresses(t.rest), []);
    await assert.rejects(t.rest.get(R.leases, 'kube-system', 'apiserver-endpoint-10.0.0.1-6443'), /not found/);
  } finally {
    await t.cleanup();
  }
});
