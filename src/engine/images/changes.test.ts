import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyChanges } from './changes.ts';
import { isKind } from '../../lib/errors.ts';

test('CMD and ENTRYPOINT: JSON form as is, shell form under /bin/sh -c', () => {
  assert.deepEqual(applyChanges({}, ['CMD ["sh"]']).Cmd, ['sh']);
  assert.deepEqual(applyChanges({}, ['cmd echo hi there']).Cmd, ['/bin/sh', '-c', 'echo hi there']);
  assert.deepEqual(applyChanges({}, ['ENTRYPOINT ["/x", "-v"]']).Entrypoint, ['/x', '-v']);
  // an ENTRYPOINT drops an inherited CMD, but not one set alongside
  assert.equal(applyChanges({ Cmd: ['old'] }, ['ENTRYPOINT top']).Cmd, null);
  assert.deepEqual(applyChanges({}, ['CMD ["a"]', 'ENTRYPOINT ["b"]']).Cmd, ['a']);
});

test('ENV and LABEL: key=value pairs with quotes, legacy form, replacement, $VAR expansion', () => {
  const c = applyChanges({ Env: ['A=1'] }, [
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'ENV A=2 B="two words" C=$A',
    'ENV LEGACY some value here',
    'LABEL skiff.rootfs.sha256=abc "com.x"="y z"',
  ]);
  // as docker: one ENV line expands with the values from before it (C gets the old A)
  assert.deepEqual(c.Env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'A=2', 'B=two words', 'C=1', 'LEGACY=some value here']);
  assert.deepEqual(c.Labels, { 'skiff.rootfs.sha256': 'abc', 'com.x': 'y z' });
});

test('WORKDIR, USER, EXPOSE, VOLUME, STOPSIGNAL', () => {
  const c = applyChanges({}, ['WORKDIR /app', 'WORKDIR sub', 'USER nobody', 'EXPOSE 80 53/udp 8000-8001', 'VOLUME ["/data"]', 'VOLUME /a /b', 'STOPSIGNAL SIGQUIT']);
  assert.equal(c.WorkingDir, '/app/sub');
  assert.equal(c.User, 'nobody');
  assert.deepEqual(Object.keys(c.ExposedPorts ?? {}), ['80/tcp', '53/udp', '8000/tcp', '8001/tcp']);
  assert.deepEqual(Object.keys(c.Volumes ?? {}), ['/data', '/a', '/b']);
  assert.equal(c.StopSignal, 'SIGQUIT');
});

test('an unknown instruction is an InvalidArgument naming it', () => {
  assert.throws(() => applyChanges({}, ['FROB x']), (e: unknown) => isKind(e, 'InvalidArgument') && /FROB is not a valid change command/.test((e as Error).message));
  assert.throws(() => applyChanges({}, ['EXPOSE http']), /invalid port "http"/);
  assert.throws(() => applyChanges({}, ['ENV']), /ENV requires at least one argument/);
});

test('HEALTHCHECK: CMD in shell and JSON form with its flags, NONE, and BuildKit\'s messages', () => {
  assert.deepEqual(applyChanges({}, ['HEALTHCHECK --interval=5s --retries=2 CMD wget -q -O- http://localhost/']).Healthcheck, {
    Test: ['CMD-SHELL', 'wget -q -O- http://localhost/'], Interval: 5e9, Retries: 2,
  });
  assert.deepEqual(applyChanges({}, ['HEALTHCHECK --timeout=1m30s --start-period=500ms CMD ["true"]']).Healthcheck, { Test: ['CMD', 'true'], Timeout: 90e9, StartPeriod: 5e8 });
  assert.deepEqual(applyChanges({}, ['HEALTHCHECK NONE']).Healthcheck, { Test: ['NONE'] });
  assert.throws(() => applyChanges({}, ['HEALTHCHECK NONE x']), /HEALTHCHECK NONE takes no arguments/);
  assert.throws(() => applyChanges({}, ['HEALTHCHECK RUN x']), /Unknown type "RUN" in HEALTHCHECK \(try CMD\)/);
  assert.throws(() => applyChanges({}, ['HEALTHCHECK CMD']), /Missing command after HEALTHCHECK CMD/);
  assert.throws(() => applyChanges({}, ['HEALTHCHECK --retries=-1 CMD true']), /--retries cannot be negative \(-1\)/);
  assert.throws(() => applyChanges({}, ['HEALTHCHECK --interval=10us CMD true']), /cannot be less than 1ms/);
});
