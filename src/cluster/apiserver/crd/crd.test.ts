// The CRD room without a server: schema validation words, pruning and defaulting, a CRD's specs (versions,
// conversion None, scale), the CRD's own validation, printer columns and their JSONPath.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../types/meta.ts';
import { formatFieldError, type FieldError } from '../../types/status-error.ts';
import { findByKind } from '../../types/registry.ts';
import { compileJsonPath, customPrinter } from '../tables/custom.ts';
import { applyDefaults, prune } from './structural.ts';
import { compareVersions, specsOf } from './specs.ts';
import type { CustomResourceDefinition, Schema } from './types.ts';
import { validateValue } from './validate.ts';

const schema: Schema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['size'],
      properties: {
        size: { type: 'integer', minimum: 1, maximum: 5, default: 1 },
        name: { type: 'string', pattern: '^[a-z]+$', maxLength: 4 },
        mode: { type: 'string', enum: ['a', 'b'], default: 'a' },
        port: { 'x-kubernetes-int-or-string': true },
        tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set', maxItems: 3 },
        ports: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', properties: { name: { type: 'string' }, n: { type: 'integer', default: 80 } } } },
        when: { type: 'string', format: 'date-time' },
        note: { type: 'string', nullable: true },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        embedded: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: {} },
      },
    },
  },
};

const errorsOf = (value: unknown): string[] => {
  const errs: FieldError[] = [];
  validateValue(schema, value, '', errs);
  return errs.map(formatFieldError);
};

test('schema validation: kube\'s field paths and words', () => {
  assert.deepEqual(errorsOf({ spec: { size: 'three' } }), ['spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"']);
  assert.deepEqual(errorsOf({ spec: { size: 1.5 } }), ['spec.size: Invalid value: "number": spec.size in body must be of type integer: "number"']);
  assert.deepEqual(errorsOf({ spec: {} }), ['spec.size: Required value']);
  assert.deepEqual(errorsOf({ spec: { size: 9 } }), ['spec.size: Invalid value: 9: spec.size in body should be less than or equal to 5']);
  assert.deepEqual(errorsOf({ spec: { size: 0 } }), ['spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1']);
  assert.deepEqual(errorsOf({ spec: { size: 1, name: 'AB' } }), [`spec.name: Invalid value: "AB": spec.name in body should match '^[a-z]+$'`]);
  assert.deepEqual(errorsOf({ spec: { size: 1, name: 'abcdef' } }), ['spec.name: Too long: may not be more than 4 bytes']);
  assert.deepEqual(errorsOf({ spec: { size: 1, mode: 'c' } }), ['spec.mode: Unsupported value: "c": supported values: "a", "b"']);
  assert.deepEqual(errorsOf({ spec: { size: 1, port: true } }), ['spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"']);
  assert.deepEqual(errorsOf({ spec: { size: 1, port: 'http' } }), []);
  assert.deepEqual(errorsOf({ spec: { size: 1, tags: ['x', 'x'] } }), ['spec.tags[1]: Duplicate value: "x"']);
  assert.deepEqual(errorsOf({ spec: { size: 1, tags: ['a', 'b', 'c', 'd'] } }), ['spec.tags: Too many: 4: must have at most 3 items']);
  assert.deepEqual(errorsOf({ spec: { size: 1, ports: [{ name: 'a' }, { name: 'a' }] } }), ['spec.ports[1]: Duplicate value: map[string]string{"name":"a"}']);
  assert.deepEqual(errorsOf({ spec: { size: 1, when: 'yesterday' } }), ['spec.when: Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday"']);
  assert.deepEqual(errorsOf({ spec: { size: 1, when: '2026-12-05T07:00:00Z', note: null, free: { any: [1] }, labels: { a: 'b' } } }), []);
  assert.deepEqual(errorsOf({ spec: { size: 1, labels: { a: 1 } } }), ['spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: "integer"']);
  assert.deepEqual(errorsOf({ spec: { size: 1, name: null } }), ['spec.name: Invalid value: "null": spec.name in body must be of type string: "null"']);
  assert.deepEqual(errorsOf({ spec: { size: 1, embedded: { kind: 'Pod' } } }), ['spec.embedded.apiVersion: Required value: must not be empty']);
});

test('pruning drops what the schema does not name; defaults fill what is missing, inside lists too', () => {
  const obj = { apiVersion: 'x/v1', kind: 'X', metadata: { name: 'a' }, spec: { colour: 'red', ports: [{ name: 'p', extra: 1 }], free: { kept: true }, embedded: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {} } }, other: 1 };
  prune(schema, obj, true);
  applyDefaults(schema, obj);
  assert.deepEqual(obj, {
    apiVersion: 'x/v1', kind: 'X', metadata: { name: 'a' },
    spec: { size: 1, mode: 'a', ports: [{ name: 'p', n: 80 }], free: { kept: true }, embedded: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } } },
  });
});

const crd = (versions: CustomResourceDefinition['spec']['versions']): CustomResourceDefinition => ({
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' },
  spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' }, versions },
});

test('a CRD\'s specs: served versions in kube\'s priority, the stored one plain, the others converted (None)', () => {
  assert.deepEqual(['v1alpha1', 'v2', 'v1beta2', 'v1', 'v1beta1', 'foo'].sort(compareVersions), ['v2', 'v1', 'v1beta2', 'v1beta1', 'v1alpha1', 'foo']);
  const specs = specsOf(crd([
    { name: 'v1beta1', served: true, storage: false, schema: { openAPIV3Schema: schema as never } },
    { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema as never }, subresources: { status: {}, scale: { specReplicasPath: '.spec.size', statusReplicasPath: '.status.size' } } },
    { name: 'v0', served: false, storage: false },
  ]));
  assert.deepEqual(specs.map((s) => [s.version, s.conversion?.storageVersion]), [['v1', undefined], ['v1beta1', 'v1']]);
  assert.deepEqual(specs[0].subresources, ['status', 'scale']);
  assert.equal(specs[0].statusSubresource, true);
  const stored = specs[1].conversion!.toStorage({ apiVersion: 'example.com/v1beta1', kind: 'Widget', metadata: { name: 'a' }, spec: { size: 2 } } as KObject);
  assert.deepEqual(stored, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'a' }, spec: { size: 2 } });
  const errs = specs[0].validate({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'Bad_Name' }, spec: { size: 2 } } as KObject);
  assert.match(errs.map(formatFieldError).join('\n'), /metadata.name: Invalid value: "Bad_Name"/);
});

test('the CRD\'s own validation, in kube\'s words', () => {
  const strategy = findByKind('apiextensions.k8s.io', 'CustomResourceDefinition')!;
  const bad = crd([
    { name: 'V1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { properties: {} } } } as never } },
    { name: 'v2', served: true, storage: true },
  ]) as unknown as KObject;
  (bad.metadata as { name: string }).name = 'gadgets.example.com';
  strategy.defaults(bad);
  const msgs = strategy.validate(bad).map(formatFieldError);
  assert.ok(msgs.includes('metadata.name: Invalid value: "gadgets.example.com": must be spec.names.plural+"."+spec.group'), msgs.join('\n'));
  assert.ok(msgs.some((m) => m.startsWith('spec.versions[0].name: Invalid value: "V1": a DNS-1035 label must consist of lower case alphanumeric characters')), msgs.join('\n'));
  assert.ok(msgs.includes('spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields'), msgs.join('\n'));
  assert.ok(msgs.includes('spec.versions[1].schema.openAPIV3Schema: Required value: schemas are required'), msgs.join('\n'));
  assert.ok(msgs.some((m) => /^spec.versions: Invalid value: .*: must have exactly one version marked as storage version$/.test(m)), msgs.join('\n'));
  const k8s = crd([{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema as never } }]);
  k8s.spec.group = 'x.k8s.io';
  k8s.metadata!.name = 'widgets.x.k8s.io';
  strategy.defaults(k8s as unknown as KObject);
  assert.deepEqual(strategy.validate(k8s as unknown as KObject).map(formatFieldError), ['metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111']);
  k8s.metadata!.annotations = { 'api-approved.kubernetes.io': 'unapproved, testing' };
  assert.deepEqual(strategy.validate(k8s as unknown as KObject), []);
  const good = crd([{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema as never } }]) as unknown as KObject;
  strategy.defaults(good);
  assert.deepEqual(strategy.validate(good), []);
  assert.deepEqual((good as unknown as CustomResourceDefinition).status?.storedVersions, ['v1']);
  assert.deepEqual((good as unknown as CustomResourceDefinition).spec.conversion, { strategy: 'None' });
});

test('printer columns: NAME first, cells by JSONPath, dates as ages, absent as nil', () => {
  const p = customPrinter([
    { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'Missing', type: 'string', jsonPath: '.spec.nothing' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ]);
  assert.deepEqual(p.columns.map((c) => c.name), ['Name', 'Size', 'Ready', 'Missing', 'Age']);
  const obj = { metadata: { name: 'w', creationTimestamp: '2026-12-05T07:00:00Z' }, spec: { size: 3 }, status: { conditions: [{ type: 'Synced', status: 'False' }, { type: 'Ready', status: 'True' }] } } as KObject;
  assert.deepEqual(p.cells(obj, new Date('2026-12-05T07:05:00Z')), ['w', 3, 'True', null, '5m']);
  assert.deepEqual(compileJsonPath('{.spec.items[*].name}')({ spec: { items: [{ name: 'a' }, { name: 'b' }] } }), ['a', 'b']);
});
