import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { R } from '../../types/gvr.ts';
import type { KObject } from '../../types/meta.ts';
import { eventually, testContext } from '../../scheduler/testing.ts';
import { createRootCACertPublisher, DESCRIPTION_ANNOTATION, ROOT_CA_CONFIGMAP } from './index.ts';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const ns = (name: string): KObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name }, status: { phase: 'Active' } });

test('kube-root-ca.crt holds the CA in every namespace; restored when changed or deleted', async () => {
  const ctx = testContext([ns('a')]);
  const done = createRootCACertPublisher(ctx, CA).run(ctx.signal);
  const cm = (n: string) => ctx.client.get<ConfigMap & KObject>(R.configmaps, n, ROOT_CA_CONFIGMAP).catch(() => undefined);
  const published = async (n: string) => (await cm(n))?.data?.['ca.crt'] === CA;
  try {
    await eventually(() => published('a'), 'the CA in a');
    assert.match((await cm('a'))!.metadata!.annotations![DESCRIPTION_ANNOTATION], /^Contains a CA bundle that can be used to verify the kube-apiserver/);
    await ctx.client.create(R.namespaces, undefined, ns('b'));
    await eventually(() => published('b'), 'the CA in a namespace made later');
    const changed = (await cm('a'))!;
    await ctx.client.update(R.configmaps, 'a', { ...changed, data: { 'ca.crt': 'forged', extra: 'x' } });
    await eventually(async () => JSON.stringify((await cm('a'))?.data) === JSON.stringify({ 'ca.crt': CA }), 'the data restored');
    await ctx.client.delete(R.configmaps, 'b', ROOT_CA_CONFIGMAP);
    await eventually(() => published('b'), 'made again after a delete');
  } finally {
    ctx.stop();
    await done;
  }
});
