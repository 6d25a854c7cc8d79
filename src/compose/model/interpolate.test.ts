import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interpolateTree, substitute, TemplateError } from './interpolate.ts';

const env: Record<string, string> = { A: 'a', EMPTY: '', N: '3', NAME: 'web' };
const lookup = (k: string): string | undefined => (Object.hasOwn(env, k) ? env[k] : undefined);

test('substitute: every form docker compose knows', () => {
  const cases: Array<[string, string]> = [
    ['$A', 'a'], ['${A}', 'a'], ['x${A}y', 'xay'], ['$A-b', 'a-b'], ['$Ab', ''],
    ['${UNSET:-d}', 'd'], ['${EMPTY:-d}', 'd'], ['${A:-d}', 'a'],
    ['${UNSET-d}', 'd'], ['${EMPTY-d}', ''], ['${A-d}', 'a'],
    ['${A:+alt}', 'alt'], ['${EMPTY:+alt}', ''], ['${UNSET:+alt}', ''],
    ['${A+alt}', 'alt'], ['${EMPTY+alt}', 'alt'], ['${UNSET+alt}', ''],
    ['$$', '$'], ['$$A', '$A'], ['$${A}', '${A}'], ['a $ b', 'a $ b'], ['cost: 5$', 'cost: 5$'], ['$1', '$1'],
    ['${UNSET:-${A}}', 'a'], ['${UNSET:-${UNSET2:-deep}}', 'deep'], ['${UNSET:-x${N}y}', 'x3y'],
    ['${UNSET:-a:b}', 'a:b'], ['${UNSET:-}', ''], ['${A:?must}', 'a'], ['${EMPTY?must}', ''],
  ];
  for (const [template, want] of cases) assert.equal(substitute(template, lookup), want, template);
});

test('substitute: required variables fail with their message', () => {
  assert.throws(() => substitute('${UNSET:?set it please}', lookup), { message: 'required variable UNSET is missing a value: set it please' });
  assert.throws(() => substitute('${EMPTY:?no empty}', lookup), { message: 'required variable EMPTY is missing a value: no empty' });
  assert.throws(() => substitute('${UNSET?}', lookup), { message: 'required variable UNSET is missing a value' });
  assert.equal(substitute('${EMPTY?fine}', lookup), '');
  // the message is interpolated too
  assert.throws(() => substitute('${UNSET:?$NAME needs it}', lookup), { message: 'required variable UNSET is missing a value: web needs it' });
});

test('substitute: bad templates are errors', () => {
  for (const t of ['${}', '${A', '${1A}', '${A B}', '${A:x}', 'x ${A:-${B}']) {
    assert.throws(() => substitute(t, lookup), (e: unknown) => e instanceof TemplateError && e.message === `Invalid template: ${JSON.stringify(t)}`, t);
  }
});

test('substitute: unset plain variables are reported, defaults are not', () => {
  const unset: string[] = [];
  substitute('$X ${Y} ${Z:-d} ${W-d}', lookup, (n) => unset.push(n));
  assert.deepEqual(unset, ['X', 'Y']);
});

test('interpolateTree: values only, and failures name the path', () => {
  const tree = { services: { web: { image: '${A}', '${A}': 1, ports: ['${N}:80'], n: 3 } } };
  assert.deepEqual(interpolateTree(tree, lookup, ''), { services: { web: { image: 'a', '${A}': 1, ports: ['3:80'], n: 3 } } });
  assert.throws(() => interpolateTree({ services: { web: { ports: ['${P:?need P}'] } } }, lookup, ''), {
    message: 'error while interpolating services.web.ports[0]: required variable P is missing a value: need P',
  });
});
