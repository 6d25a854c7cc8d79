import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../meta.ts';
import { formatFieldError, invalidError } from '../status-error.ts';
import { strategyFor } from './index.ts';

const messages = (group: string, kind: string, obj: KObject) => strategyFor(group, kind).validate(obj).map(formatFieldError);
const updateMessages = (group: string, kind: string, obj: KObject, old: KObject) => strategyFor(group, kind).validateUpdate(obj, old).map(formatFieldError);

const deployment = (over: Record<string, unknown> = {}): KObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } },
    ...over,
  },
});

const defaulted = (group: string, kind: string, obj: KObject) => {
  strategyFor(group, kind).defaults(obj);
  return obj;
};

test('a minimal Deployment gets the defaults Kubernetes stores', () => {
  const d = defaulted('apps', 'Deployment', deployment());
  assert.deepEqual(d.spec, {
    progressDeadlineSeconds: 600,
    replicas: 1,
    revisionHistoryLimit: 10,
    selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [{ name: 'nginx', image: 'nginx', imagePullPolicy: 'Always', resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' }],
        dnsPolicy: 'ClusterFirst',
        restartPolicy: 'Always',
        schedulerName: 'default-scheduler',
        securityContext: {},
        terminationGracePeriodSeconds: 30,
      },
    },
  });
  assert.deepEqual(messages('apps', 'Deployment', d), []);
});

test('image pull policy follows the tag', () => {
  const pod: KObject = { metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'nginx:1.25' }, { name: 'b', image: 'reg:5000/x' }, { name: 'c', image: 'x@sha256:00' }] } };
  defaulted('', 'Pod', pod);
  const cs = (pod.spec as { containers: { imagePullPolicy: string }[] }).containers;
  assert.deepEqual(cs.map((c) => c.imagePullPolicy), ['IfNotPresent', 'Always', 'IfNotPresent']);
  assert.equal((pod.spec as { serviceAccountName: string }).serviceAccountName, 'default');
  assert.equal((pod.status as { phase: string; qosClass: string }).qosClass, 'BestEffort');
});

test('selector not matching template labels is reported as Kubernetes words it', () => {
  const d = defaulted('apps', 'Deployment', deployment({ selector: { matchLabels: { app: 'other' } } }));
  assert.deepEqual(messages('apps', 'Deployment', d), ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`']);
});

test('negative replicas', () => {
  const d = defaulted('apps', 'Deployment', deployment({ replicas: -1 }));
  const errs = strategyFor('apps', 'Deployment').validate(d);
  assert.equal(invalidError({ group: 'apps', kind: 'Deployment' }, 'web', errs).message, 'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
});

test('a bad name gets the DNS-1123 subdomain message with the regex', () => {
  const d = deployment();
  (d.metadata as { name: string }).name = 'Web_1';
  defaulted('apps', 'Deployment', d);
  assert.deepEqual(messages('apps', 'Deployment', d), [
    `metadata.name: Invalid value: "Web_1": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
  ]);
});

test('service names are DNS-1035 labels', () => {
  const svc: KObject = { metadata: { name: '1web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } };
  defaulted('', 'Service', svc);
  assert.deepEqual(messages('', 'Service', svc), [
    `metadata.name: Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
  ]);
});

test('missing image and missing name are required values', () => {
  const pod: KObject = { metadata: { generateName: 'p-' }, spec: { containers: [{ name: 'a' }] } };
  defaulted('', 'Pod', pod);
  assert.deepEqual(messages('', 'Pod', pod), ['spec.containers[0].image: Required value']);
  assert.deepEqual(messages('', 'Pod', { metadata: {}, spec: { containers: [] } }).slice(0, 2), ['metadata.name: Required value: name or generateName is required', 'spec.containers: Required value']);
});

test('pod resources: bad quantities and requests above limits', () => {
  const pod: KObject = { metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'x', resources: { requests: { cpu: '2', memory: 'lots' }, limits: { cpu: '1' } } }] } };
  defaulted('', 'Pod', pod);
  const got = messages('', 'Pod', pod);
  assert.ok(got.includes('spec.containers[0].resources.requests[cpu]: Invalid value: "2": must be less than or equal to cpu limit of 1'), got.join('\n'));
  assert.ok(got.some((m) => m.startsWith('spec.containers[0].resources.requests[memory]: Invalid value: "lots": quantities must match')), got.join('\n'));
});

test('container names unique, ports in range, restartPolicy values', () => {
  const pod: KObject = {
    metadata: { name: 'p' },
    spec: { restartPolicy: 'Sometimes', containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 70000 }] }, { name: 'a', image: 'y' }] },
  };
  defaulted('', 'Pod', pod);
  assert.deepEqual(messages('', 'Pod', pod), [
    'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
    'spec.containers[1].name: Duplicate value: "a"',
    'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
  ]);
});

test('deployment selector is immutable and maxSurge/maxUnavailable may not both be 0', () => {
  const old = defaulted('apps', 'Deployment', deployment());
  const next = defaulted('apps', 'Deployment', deployment({ selector: { matchLabels: { app: 'web', v: '2' } } }));
  const t = (next.spec as { template: { metadata: { labels: Record<string, string> } } }).template;
  t.metadata.labels.v = '2';
  assert.deepEqual(updateMessages('apps', 'Deployment', next, old), ['spec.selector: Invalid value: {"matchLabels":{"app":"web","v":"2"}}: field is immutable']);
  const zero = defaulted('apps', 'Deployment', deployment({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } } }));
  assert.deepEqual(messages('apps', 'Deployment', zero), ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0%": may not be 0 when `maxSurge` is 0']);
});

test('workload templates must restart Always', () => {
  const d = deployment();
  ((d.spec as { template: { spec: Record<string, unknown> } }).template.spec).restartPolicy = 'Never';
  defaulted('apps', 'Deployment', d);
  assert.deepEqual(messages('apps', 'Deployment', d), ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"']);
});

test('pod updates may only change images and a few fields', () => {
  const old = defaulted('', 'Pod', { metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'x:1' }] } });
  const image = structuredClone(old);
  (image.spec as { containers: { image: string }[] }).containers[0].image = 'x:2';
  assert.deepEqual(updateMessages('', 'Pod', image, old), []);
  const port = structuredClone(old);
  (port.spec as { containers: { ports: unknown[] }[] }).containers[0].ports = [{ containerPort: 80, protocol: 'TCP' }];
  const got = updateMessages('', 'Pod', port, old);
  assert.equal(got.length, 1);
  assert.match(got[0], /^spec: Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`/);
});

test('service defaults and clusterIP immutability', () => {
  const svc = defaulted('', 'Service', { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }], clusterIP: '10.96.0.10' } });
  assert.deepEqual(svc.spec, {
    selector: { app: 'web' },
    ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
    clusterIP: '10.96.0.10',
    clusterIPs: ['10.96.0.10'],
    type: 'ClusterIP',
    sessionAffinity: 'None',
    internalTrafficPolicy: 'Cluster',
    ipFamilyPolicy: 'SingleStack',
    ipFamilies: ['IPv4'],
  });
  const moved = structuredClone(svc);
  Object.assign(moved.spec as object, { clusterIP: '10.96.0.11', clusterIPs: ['10.96.0.11'] });
  assert.deepEqual(updateMessages('', 'Service', moved, svc), ['spec.clusterIPs[0]: Invalid value: []string{"10.96.0.11"}: may not change once set']);
  const noPorts = defaulted('', 'Service', { metadata: { name: 'x' }, spec: { selector: { a: 'b' } } });
  assert.deepEqual(messages('', 'Service', noPorts), ['spec.ports: Required value']);
});

test('job: generated selector from uid, defaults, restartPolicy', () => {
  const job = defaulted('batch', 'Job', {
    metadata: { name: 'pi', uid: 'u-1' },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl:5' }] } } },
  });
  const s = job.spec as Record<string, unknown>;
  assert.deepEqual(s.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1' } });
  assert.equal(s.completions, 1);
  assert.equal(s.parallelism, 1);
  assert.equal(s.backoffLimit, 6);
  assert.equal(s.completionMode, 'NonIndexed');
  assert.deepEqual(messages('batch', 'Job', job), []);
  const always = defaulted('batch', 'Job', { metadata: { name: 'x', uid: 'u-2' }, spec: { template: { spec: { containers: [{ name: 'a', image: 'b' }] } } } });
  assert.deepEqual(messages('batch', 'Job', always), ['spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"']);
});

test('namespace, secret, cronjob, hpa defaults', () => {
  const ns = defaulted('', 'Namespace', { metadata: { name: 'team-a' } });
  assert.deepEqual(ns.spec, { finalizers: ['kubernetes'] });
  assert.deepEqual(ns.status, { phase: 'Active' });
  assert.equal((ns.metadata?.labels ?? {})['kubernetes.io/metadata.name'], 'team-a');
  assert.deepEqual(messages('', 'Namespace', { metadata: { name: 'Team' } }).length, 1);
  assert.equal(defaulted('', 'Secret', { metadata: { name: 's' } }).type, 'Opaque');
  const cj = defaulted('batch', 'CronJob', { metadata: { name: 'c' }, spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'a', image: 'b' }] } } } } } });
  assert.equal((cj.spec as Record<string, unknown>).concurrencyPolicy, 'Allow');
  assert.deepEqual(messages('batch', 'CronJob', cj), []);
  (cj.spec as Record<string, unknown>).schedule = '61 * * * *';
  assert.deepEqual(messages('batch', 'CronJob', cj), ['spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61']);
  const hpa = defaulted('autoscaling', 'HorizontalPodAutoscaler', { metadata: { name: 'h' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 5 } });
  assert.deepEqual((hpa.spec as Record<string, unknown>).metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
  assert.deepEqual(messages('autoscaling', 'HorizontalPodAutoscaler', hpa), []);
});

test('label keys and values are checked', () => {
  const d = defaulted('apps', 'Deployment', deployment());
  (d.metadata as { labels: Record<string, string> }).labels = { 'bad key': 'v', ok: 'bad value!' };
  const got = messages('apps', 'Deployment', d);
  assert.equal(got.length, 2);
  assert.match(got[0], /^metadata.labels: Invalid value: "bad key": name part must consist of alphanumeric characters/);
  assert.match(got[1], /^metadata.labels: Invalid value: "bad value!": a valid label must be an empty string/);
});

test('every registry kind has a strategy that accepts a minimal valid object', () => {
  for (const [g, k] of [['', 'ConfigMap'], ['', 'ServiceAccount'], ['', 'Node'], ['coordination.k8s.io', 'Lease'], ['apps', 'ControllerRevision']]) {
    const o: KObject = { metadata: { name: 'n1' } };
    strategyFor(g, k).defaults(o);
    assert.deepEqual(messages(g, k, o), [], `${g}/${k}`);
  }
});

test('cronjob: TZ in the schedule and unknown time zones are refused with kube messages', () => {
  const cj = defaulted('batch', 'CronJob', { metadata: { name: 'c' }, spec: { schedule: '0 9 * * *', timeZone: 'America/New_York', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'a', image: 'b' }] } } } } } });
  assert.deepEqual(messages('batch', 'CronJob', cj), []);
  const spec = cj.spec as Record<string, unknown>;
  spec.timeZone = 'Mars/Olympus_Mons';
  assert.deepEqual(messages('batch', 'CronJob', cj), ['spec.timeZone: Invalid value: "Mars/Olympus_Mons": unknown time zone Mars/Olympus_Mons']);
  spec.timeZone = 'Local';
  assert.deepEqual(messages('batch', 'CronJob', cj), ['spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones']);
  spec.timeZone = '';
  assert.deepEqual(messages('batch', 'CronJob', cj), ['spec.timeZone: Invalid value: "": timeZone must be nil or non-empty string']);
  delete spec.timeZone;
  spec.schedule = 'CRON_TZ=UTC 0 9 * * *';
  assert.deepEqual(messages('batch', 'CronJob', cj), ['spec.schedule: Invalid value: "CRON_TZ=UTC 0 9 * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead']);
  // an object that already had TZ keeps working on update, but not together with timeZone
  assert.deepEqual(updateMessages('batch', 'CronJob', cj, structuredClone(cj)), []);
  const both = structuredClone(cj);
  (both.spec as Record<string, unknown>).timeZone = 'UTC';
  assert.deepEqual(updateMessages('batch', 'CronJob', both, cj), ['spec.schedule: Invalid value: "CRON_TZ=UTC 0 9 * * *": cannot use both timeZone field and TZ or CRON_TZ in schedule']);
  spec.schedule = '0 9 * * *';
  (spec.jobTemplate as { spec: Record<string, unknown> }).spec.selector = { matchLabels: { a: 'b' } };
  assert.deepEqual(messages('batch', 'CronJob', cj), ['spec.jobTemplate.spec.selector: Invalid value: {"matchLabels":{"a":"b"}}: `selector` will be auto-generated']);
});
