import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildQueryFromDocker, errorMessage } from './build.ts';
import { SkiffError, invalidArgument } from '../../lib/errors.ts';

const q = (s: string) => buildQueryFromDocker(new URLSearchParams(s));
const refused = (s: string, message: string | RegExp) =>
  assert.throws(() => q(s), (err: unknown) => {
    assert.ok(err instanceof SkiffError);
    assert.equal(err.kind, 'InvalidArgument');
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });

test('the query docker CLI 28 sends for a legacy build becomes a typed request', () => {
  const r = q(
    't=a&t=b%3A1&rm=1&forcerm=1&nocache=1&pull=1&q=1&cpusetcpus=&networkmode=host&cpusetmems=&cpushares=0&cpuquota=0&cpuperiod=0' +
    '&memory=0&memswap=0&cgroupparent=&shmsize=0&dockerfile=sub%2FDockerfile&target=final&ulimits=null' +
    '&buildargs=%7B%22A%22%3A%221%22%2C%22B%22%3Anull%7D&labels=%7B%22l%22%3A%22v%22%7D&cachefrom=null&version=1',
  );
  assert.deepEqual(r, {
    dockerfile: 'sub/Dockerfile', dockerfileGiven: true, tags: ['a', 'b:1'], buildArgs: { A: '1', B: null }, labels: { l: 'v' },
    target: 'final', noCache: true, pull: true, rm: true, forceRm: true, networkMode: 'host', quiet: true,
  });
});

test('defaults: Dockerfile, rm on, nothing else (the docker SDK sends q/nocache as False)', () => {
  const r = q('t=x&q=False&nocache=False&rm=False&forcerm=False&pull=False');
  assert.equal(r.dockerfile, 'Dockerfile');
  assert.equal(r.dockerfileGiven, false);
  assert.deepEqual([r.quiet, r.noCache, r.rm, r.forceRm, r.pull], [false, false, false, false, false]);
  assert.equal(q('').rm, true);
  assert.equal(q('networkmode=default').networkMode, undefined);
  assert.deepEqual(q('').buildArgs, {});
});

test('--add-host and --shm-size for the RUN steps (docker-compose 1.29 sends a service\'s build.extra_hosts and shm_size)', () => {
  const r = q('t=app&extrahosts=somehost%3A10.1.2.3&extrahosts=other%3A10.1.2.4&shmsize=67108864&cachefrom=%5B%22busybox%22%5D');
  assert.deepEqual([r.extraHosts, r.shmSize], [['somehost:10.1.2.3', 'other:10.1.2.4'], 64 * 1024 * 1024]);
  assert.ok(!('extraHosts' in q('extrahosts=')) && !('shmSize' in q('shmsize=0')));
  refused('shmsize=64m', 'invalid value for shmsize: "64m" is not a number of bytes');
});

test('what this builder does not do is refused by name', () => {
  refused('version=2', 'buildkit is not enabled on daemon');
  refused('version=3', 'invalid version 3');
  refused('remote=https%3A%2F%2Fexample.com%2Fx.tar', /remote context .* not supported/);
  refused('platform=linux%2Farm64', 'platform "linux/arm64" is not supported: this daemon builds for linux/amd64 only');
  refused('platform=windows', /not supported/);
  refused('memory=1000000', /memory is not supported for builds/);
  refused('securityopt=seccomp%3Dunconfined', /security options/);
  refused('buildargs=%5B1%5D', 'error reading build args: expected a JSON object');
  refused('labels=%7B%22a%22%3Anull%7D', 'error reading labels: the value of "a" must be a string');
  refused('buildargs=%7Bx', /^error reading build args: /);
  assert.equal(q('platform=linux%2Famd64').tags.length, 0);
  assert.equal(q('platform=linux').tags.length, 0);
});

test('a failure after the stream began: docker\'s errorDetail shape, with a RUN step\'s exit code when it has one', () => {
  assert.deepEqual(errorMessage(invalidArgument('Dockerfile:3: unknown instruction: FORM')), {
    errorDetail: { message: 'Dockerfile:3: unknown instruction: FORM' }, error: 'Dockerfile:3: unknown instruction: FORM',
  });
  const run = Object.assign(invalidArgument("The command '/bin/sh -c exit 3' returned a non-zero code: 3"), { exitCode: 3 });
  assert.deepEqual(errorMessage(run).errorDetail, { code: 3, message: "The command '/bin/sh -c exit 3' returned a non-zero code: 3" });
});
