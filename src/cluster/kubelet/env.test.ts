import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { containerEnv, expandCommand, expandVars, ContainerConfigError, type SourceLookup } from './env.ts';

test('expandVars follows Kubernetes: $(VAR), $$, unknown and unterminated left as written', () => {
  const m: Record<string, string> = { A: 'x', B: 'y' };
  const f = (s: string) => expandVars(s, (n) => m[n]);
  assert.equal(f('$(A)-$(B)'), 'x-y');
  assert.equal(f('$$(A)'), '$(A)');
  assert.equal(f('$(C)'), '$(C)');
  assert.equal(f('a$b'), 'a$b');
  assert.equal(f('$(A'), '$(A');
  assert.equal(f('end$'), 'end$');
});

const lookup: SourceLookup = {
  configMap: async (_ns, name) => (name === 'cfg' ? { mode: 'fast', 'bad key': 'z', LEVEL: '3' } : undefined),
  secret: async (_ns, name) => (name === 'sec' ? { password: 'hunter2' } : undefined),
  claimedVolume: async (ns, name) => { throw new Error(`persistentvolumeclaim "${name}" not found in ${ns}`); },
  serviceAccountToken: async () => 'token',
};
const node = { cpu: '2', memory: '4Gi' };

test('containerEnv: envFrom with prefix, env in order with expansion, fieldRef, resourceFieldRef, key refs', async () => {
  const pod: Pod = {
    metadata: { name: 'web', namespace: 'ns1', uid: 'u-1', labels: { app: 'web' } },
    spec: { nodeName: 'n1', serviceAccountName: 'default', containers: [] },
    status: { podIP: '10.42.0.5', hostIP: '10.0.0.2' },
  };
  const c = {
    name: 'c',
    resources: { limits: { memory: '64Mi' } },
    envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'cfg' } }, { configMapRef: { name: 'nope', optional: true } }],
    env: [
      { name: 'GREETING', value: 'hello $(NAME)' },
      { name: 'NAME', value: 'world' },
      { name: 'MSG', value: '$(GREETING) from $(POD) on $(CFG_mode) $$(NAME)' },
      { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
      { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
      { name: 'PW', valueFrom: { secretKeyRef: { name: 'sec', key: 'password' } } },
      { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'missing', optional: true } } },
    ],
  };
  const { env, skipped } = await containerEnv(pod, c, lookup, node);
  const m = Object.fromEntries(env.map((e) => [e.name, e.value]));
  assert.equal(m.GREETING, 'hello $(NAME)', 'NAME was not defined yet');
  assert.equal(m.MSG, 'hello $(NAME) from $(POD) on fast $(NAME)');
  assert.equal(m.CFG_mode, 'fast');
  assert.equal(m.CFG_LEVEL, '3');
  assert.equal(m.POD, 'web');
  assert.equal(m.APP, 'web');
  assert.equal(m.IP, '10.42.0.5');
  assert.equal(m.MEM, '64');
  assert.equal(m.CPU, '2', 'no cpu limit: the node allocatable');
  assert.equal(m.PW, 'hunter2');
  assert.equal('OPT' in m, false);
  assert.deepEqual(skipped, ['CFG_bad key']);
  assert.deepEqual(expandCommand(['echo', '$(POD)', '$(NOPE)'], env), ['echo', 'web', '$(NOPE)']);
});

test('containerEnv: a missing key or source is a CreateContainerConfigError with the kubelet message', async () => {
  const pod: Pod = { metadata: { name: 'p', namespace: 'ns1' }, spec: { containers: [] } };
  await assert.rejects(containerEnv(pod, { name: 'c', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'nokey' } } }] }, lookup, node),
    (e) => e instanceof ContainerConfigError && e.message === "couldn't find key nokey in ConfigMap ns1/cfg");
  await assert.rejects(containerEnv(pod, { name: 'c', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'gone', key: 'k' } } }] }, lookup, node),
    (e) => e instanceof ContainerConfigError && e.message === 'secret "gone" not found');
  await assert.rejects(containerEnv(pod, { name: 'c', envFrom: [{ configMapRef: { name: 'gone' } }] }, lookup, node),
    (e) => e instanceof ContainerConfigError && e.message === 'configmap "gone" not found');
});
