import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDocumentStore } from './store.ts';
import { buildV2Document, toV2Schema } from './v2.ts';

test('/openapi/v2 is Swagger 2.0 made from the v3 documents: definitions, body parameters, consumes/produces', () => {
  const { json, hash } = buildV2Document(createDocumentStore());
  const doc = JSON.parse(json.toString('utf8'));
  assert.equal(doc.swagger, '2.0');
  assert.match(hash, /^[0-9A-F]{128}$/);
  assert.ok(!json.toString('utf8').includes('#/components/'), 'every ref points into #/definitions');
  const dep = doc.definitions['io.k8s.api.apps.v1.Deployment'];
  assert.deepEqual(dep['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
  assert.equal(dep.properties.spec.$ref, '#/definitions/io.k8s.api.apps.v1.DeploymentSpec');
  const create = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments'].post;
  const body = create.parameters.find((p: any) => p.in === 'body');
  assert.deepEqual([body.name, body.required, body.schema.$ref], ['body', true, '#/definitions/io.k8s.api.apps.v1.Deployment']);
  assert.ok(create.consumes.length > 0 && create.produces.includes('application/json'));
  assert.equal(create.responses['201'].schema.$ref, '#/definitions/io.k8s.api.apps.v1.Deployment');
  const dryRun = create.parameters.find((p: any) => p.name === 'dryRun');
  assert.deepEqual([dryRun.in, dryRun.type, dryRun.schema], ['query', 'string', undefined]);
  assert.ok(doc.paths['/api/v1/namespaces/{namespace}/pods'].get, 'every group-version is in');
  assert.deepEqual(toV2Schema({ allOf: [{ $ref: '#/components/schemas/X' }], default: {}, description: 'd' }), { $ref: '#/definitions/X', default: {}, description: 'd' });
});
