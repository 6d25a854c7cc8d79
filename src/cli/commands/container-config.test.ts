import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, CliError, type CommandSpec } from '../core.ts';
import { buildCreateRequest, createFlags, parseRestart } from './container-config.ts';

const spec: CommandSpec = { path: 'skiff run', usage: '', summary: '', flags: createFlags, interspersed: false };
const build = (argv: string[], detach = false) => buildCreateRequest(spec, parseArgs(spec, argv), { detach, autoRemove: false });

test('flags become docker create fields', () => {
  process.env.SKIFF_TEST_LOCAL = 'from-here';
  const { name, image, body } = build(['--name', 'web', '-e', 'A=1', '-e', 'SKIFF_TEST_LOCAL', '-m', '32m', '--cpus', '1.5', '--restart', 'on-failure:3', '--network', 'host', '-l', 'k=v', '-v', '/a:/b:ro', '--ulimit', 'nofile=100:200', '--tmpfs', '/run:size=1m', '--entrypoint', '', 'busybox', 'ls', '-l']);
  const host = body.HostConfig as Record<string, unknown>;
  assert.equal(name, 'web');
  assert.equal(image, 'busybox');
  assert.deepEqual(body.Cmd, ['ls', '-l']);
  assert.deepEqual(body.Entrypoint, ['']);
  assert.deepEqual(body.Env, ['A=1', 'SKIFF_TEST_LOCAL=from-here']);
  assert.deepEqual(body.Labels, { k: 'v' });
  assert.equal(host.Memory, 32 * 1024 * 1024);
  assert.equal(host.NanoCpus, 1.5e9);
  assert.deepEqual(host.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 3 });
  assert.equal(host.NetworkMode, 'host');
  assert.deepEqual(host.Binds, ['/a:/b:ro']);
  assert.deepEqual(host.Ulimits, [{ Name: 'nofile', Soft: 100, Hard: 200 }]);
  assert.deepEqual(host.Tmpfs, { '/run': 'size=1m' });
  assert.equal(body.AttachStdout, true);
});

test('-d attaches nothing; -i opens stdin', () => {
  assert.equal(build(['img'], true).body.AttachStdout, false);
  const { body } = build(['-i', 'img']);
  assert.equal(body.OpenStdin, true);
  assert.equal(body.StdinOnce, true);
  assert.equal(body.AttachStdin, true);
});

test('invalid values are usage errors with docker wording (exit 125)', () => {
  const fails = (argv: string[], re: RegExp) => assert.throws(() => build(argv), (e: unknown) => e instanceof CliError && e.exitCode === 125 && re.test(e.message));
  fails(['-m', '1x', 'img'], /invalid argument "1x" for "-m, --memory" flag: invalid suffix: 'x'/);
  fails(['--cpus', 'abc', 'img'], /failed to parse abc as a rational number/);
  fails(['--pids-limit', 'x', 'img'], /invalid argument "x" for "--pids-limit" flag/);
  assert.throws(() => parseRestart(spec, 'bogus'), /invalid restart policy 'bogus'/);
  assert.throws(() => parseRestart(spec, 'always:3'), /maximum retry count can only be used with 'on-failure'/);
});
