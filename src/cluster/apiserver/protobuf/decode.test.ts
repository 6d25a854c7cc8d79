import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStatusError } from '../../types/status-error.ts';
import type { KObject } from '../../types/meta.ts';
import { decodeProtobufObject, encodeProtobufObject, isProtobufBody, protobufMagic } from './index.ts';
import { loadSchema, lookupType, unknownTypeName } from './schema.ts';
import { goDuration, parseGoDuration } from './wellknown.ts';

/** a body as Go's client-go writes it, built from raw message fields with protobufjs (not our encoder) */
function goBody(apiVersion: string, kind: string, typeName: string, fields: object): Buffer {
  const { root } = loadSchema();
  const type = lookupType(root, typeName)!;
  const raw = type.encode(type.fromObject(fields)).finish();
  const envelope = lookupType(root, unknownTypeName)!;
  return Buffer.concat([protobufMagic, envelope.encode({ typeMeta: { apiVersion, kind }, raw, contentEncoding: '', contentType: '' }).finish()]);
}

const deployment = {
  apiVersion: 'apps/v1', kind: 'Deployment',
  metadata: {
    name: 'web', namespace: 'default', uid: '0b4d5e4a-1111-2222-3333-444455556666', resourceVersion: '42', generation: 3,
    creationTimestamp: '2024-01-02T03:04:05Z', labels: { app: 'web' }, annotations: { 'deployment.kubernetes.io/revision': '2' },
    ownerReferences: [{ apiVersion: 'v1', kind: 'Namespace', name: 'default', uid: 'u', controller: true }],
    managedFields: [{ manager: 'kubectl', operation: 'Update', apiVersion: 'apps/v1', time: '2024-01-02T03:04:05Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }],
  },
  spec: {
    replicas: 0, // a pointer in Go: its zero is kept
    selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] },
    template: {
      metadata: { creationTimestamp: null, labels: { app: 'web' } },
      spec: {
        containers: [{
          name: 'web', image: 'nginx:1.25', command: ['nginx'], ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
          env: [{ name: 'A', value: '1' }, { name: 'S', valueFrom: { secretKeyRef: { name: 'sec', key: 'k', optional: false } } }],
          envFrom: [{ configMapRef: { name: 'cm' } }],
          resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m' } },
          livenessProbe: { httpGet: { path: '/', port: 'http', scheme: 'HTTP' }, initialDelaySeconds: 3, periodSeconds: 10 },
          readinessProbe: { tcpSocket: { port: 80 } },
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
          securityContext: { runAsNonRoot: true, runAsUser: 0 },
        }],
        volumes: [{ name: 'data', emptyDir: { sizeLimit: '1Gi' } }, { name: 'cfg', configMap: { name: 'cm', defaultMode: 420 } }],
        terminationGracePeriodSeconds: 30,
        tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 300 }],
      },
    },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
  },
  status: {
    observedGeneration: 3, replicas: 2,
    conditions: [{ type: 'Available', status: 'True', lastUpdateTime: '2024-01-02T03:04:05Z', lastTransitionTime: '2024-01-02T03:04:06Z', reason: 'MinimumReplicasAvailable', message: 'ok' }],
  },
} as unknown as KObject;

test('a Deployment encoded as protobuf decodes to the same JSON (inline structs, quantities, int-or-strings, times, fieldsV1)', () => {
  const body = encodeProtobufObject(deployment);
  assert.ok(isProtobufBody(body));
  assert.deepEqual(decodeProtobufObject(body), deployment);
});

test('zero values follow Go JSON: pointer and non-omitempty kept, omitempty dropped, empty structs {}, zero Time null', () => {
  const body = goBody('apps/v1', 'Deployment', 'k8s.io.api.apps.v1.Deployment', {
    metadata: { name: 'web', creationTimestamp: {}, generateName: '' },
    spec: { replicas: 0, paused: false, template: { spec: { hostNetwork: false, containers: [{ name: '', image: 'busybox', resources: {}, stdin: false }] } } },
    status: {},
  });
  assert.deepEqual(decodeProtobufObject(body), {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'web', creationTimestamp: null },
    spec: { replicas: 0, template: { spec: { containers: [{ name: '', image: 'busybox', resources: {} }] } } },
    status: {},
  });
});

test('Secret data and ConfigMap binaryData bytes become base64, int64 become numbers', () => {
  const secret = goBody('v1', 'Secret', 'k8s.io.api.core.v1.Secret', { metadata: { name: 's' }, data: { a: Buffer.from('b') }, type: 'Opaque' });
  assert.deepEqual(decodeProtobufObject(secret), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { a: 'Yg==' }, type: 'Opaque' });
  const cm = goBody('v1', 'ConfigMap', 'k8s.io.api.core.v1.ConfigMap', { metadata: { name: 'c' }, binaryData: { bin: Buffer.from([0, 255]) } });
  assert.deepEqual((decodeProtobufObject(cm) as { binaryData?: object }).binaryData, { bin: 'AP8=' });
  const pod = goBody('v1', 'Pod', 'k8s.io.api.core.v1.Pod', { metadata: { name: 'p', deletionGracePeriodSeconds: 9007199254740991 } });
  assert.equal((decodeProtobufObject(pod) as KObject).metadata?.deletionGracePeriodSeconds, 9007199254740991);
});

test('MicroTime keeps microseconds, Time only seconds (as Go\'s Time.Unmarshal)', () => {
  const lease = goBody('coordination.k8s.io/v1', 'Lease', 'k8s.io.api.coordination.v1.Lease', {
    metadata: { name: 'n1', creationTimestamp: { seconds: 1704164645, nanos: 999_000_000 } },
    spec: { holderIdentity: 'n1', renewTime: { seconds: 1704164645, nanos: 123_456_789 } },
  });
  const decoded = decodeProtobufObject(lease) as KObject & { spec: { renewTime: string } };
  assert.equal(decoded.metadata?.creationTimestamp, '2024-01-02T03:04:05Z');
  assert.equal(decoded.spec.renewTime, '2024-01-02T03:04:05.123456Z');
});

test('Go duration strings both ways', () => {
  assert.equal(goDuration(0n), '0s');
  assert.equal(goDuration(3_600_000_000_000n), '1h0m0s');
  assert.equal(goDuration(1_500_000_000n), '1.5s');
  assert.equal(goDuration(300_000_000n), '300ms');
  assert.equal(goDuration(1_500n), '1.5µs');
  assert.equal(goDuration(-90_000_000_000n), '-1m30s');
  assert.equal(parseGoDuration('1h2m3.5s'), 3_723_500_000_000n);
  assert.equal(parseGoDuration('300ms'), 300_000_000n);
});

test('DeleteOptions arrive under any group version; an Eviction carries its DeleteOptions', () => {
  const opts = goBody('apps/v1', 'DeleteOptions', 'k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions', { gracePeriodSeconds: 0, propagationPolicy: 'Foreground' });
  assert.deepEqual(decodeProtobufObject(opts), { apiVersion: 'apps/v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, propagationPolicy: 'Foreground' });
  const eviction = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'p', namespace: 'd' }, deleteOptions: { gracePeriodSeconds: 5, preconditions: { uid: 'u' } } } as unknown as KObject;
  assert.deepEqual(decodeProtobufObject(encodeProtobufObject(eviction)), eviction);
});

test('malformed bodies and unknown kinds are 400 BadRequest', () => {
  const bad = (body: Buffer, re: RegExp) => assert.throws(() => decodeProtobufObject(body), (err) => isStatusError(err, 'BadRequest') && re.test(err.message));
  bad(Buffer.from('{"kind":"Pod"}'), /does not start with the "k8s\\x00" prefix/);
  bad(Buffer.concat([protobufMagic, Buffer.from([0x0a, 0xff, 0xff])]), /malformed protobuf/);
  bad(goBody('v1', 'PodSpec', 'k8s.io.api.core.v1.PodSpec', {}), /no kind "PodSpec" is registered for version "v1"/);
  bad(goBody('example.com/v1', 'Widget', 'k8s.io.api.core.v1.Pod', {}), /no kind "Widget" is registered for version "example.com\/v1"/);
  bad(goBody('', '', 'k8s.io.api.core.v1.Pod', {}), /Kind' is missing/);
  const truncated = encodeProtobufObject(deployment);
  bad(truncated.subarray(0, truncated.length - 7), /malformed protobuf/);
});
