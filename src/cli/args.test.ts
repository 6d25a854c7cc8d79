import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkArgCount, helpText, parseArgs, type CommandSpec } from './args.ts';
import { CliError } from './errors.ts';

const run: CommandSpec = {
  path: 'skiff run',
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  summary: 'Create and run a new container from an image',
  interspersed: false,
  flags: [
    { name: 'rm', type: 'bool', help: 'remove' },
    { name: 'interactive', short: 'i', type: 'bool', help: 'stdin' },
    { name: 'tty', short: 't', type: 'bool', help: 'tty' },
    { name: 'detach', short: 'd', type: 'bool', help: 'detach' },
    { name: 'env', short: 'e', type: 'list', help: 'env' },
    { name: 'name', type: 'string', help: 'name' },
    { name: 'hostname', short: 'h', type: 'string', help: 'hostname' },
  ],
};
const ps: CommandSpec = { path: 'skiff ps', usage: '[OPTIONS]', summary: 'List containers', flags: [{ name: 'all', short: 'a', type: 'bool', help: 'all' }] };

test('everything after the image belongs to the container command', () => {
  const p = parseArgs(run, ['--rm', 'busybox', 'ls', '-l', '--rm']);
  assert.deepEqual(p.args, ['busybox', 'ls', '-l', '--rm']);
  assert.equal(p.bool('rm'), true);
});

test('shorthand groups, attached values and = forms', () => {
  const p = parseArgs(run, ['-it', '-eA=1', '-e=B=2', '-e', 'C', '--env=D=4', '--name=web', '-dh', 'box', 'img']);
  assert.equal(p.bool('interactive'), true);
  assert.equal(p.bool('tty'), true);
  assert.equal(p.bool('detach'), true);
  assert.deepEqual(p.list('env'), ['A=1', 'B=2', 'C', 'D=4']);
  assert.equal(p.str('name'), 'web');
  assert.equal(p.str('hostname'), 'box');
  assert.deepEqual(p.args, ['img']);
});

test('bool flags take =false', () => {
  const p = parseArgs(run, ['--rm=false', 'img']);
  assert.equal(p.bool('rm'), false);
  assert.equal(p.has('rm'), true);
});

test('interspersed commands accept flags after positionals; -- ends flags', () => {
  const p = parseArgs(ps, ['x', '-a', '--', '-b']);
  assert.deepEqual(p.args, ['x', '-b']);
  assert.equal(p.bool('all'), true);
});

test('-h is help unless the command defines it', () => {
  assert.equal(parseArgs(ps, ['-h']).help, true);
  assert.equal(parseArgs(ps, ['--help']).help, true);
  assert.equal(parseArgs(run, ['-h', 'x', 'img']).help, false);
});

test('unknown flags and missing values are docker usage errors (exit 125)', () => {
  const expect = (argv: string[], message: string) =>
    assert.throws(() => parseArgs(run, argv), (e: unknown) => e instanceof CliError && e.exitCode === 125 && e.message === `${message}\nSee 'skiff run --help'.`);
  expect(['--nope', 'img'], 'unknown flag: --nope');
  expect(['-z', 'img'], "unknown shorthand flag: 'z' in -z");
  expect(['--name'], 'flag needs an argument: --name');
  expect(['-e'], "flag needs an argument: 'e' in -e");
  expect(['--rm=maybe'], 'invalid argument "maybe" for "--rm" flag: strconv.ParseBool: parsing "maybe": invalid syntax');
});

test('argument counts as docker words them', () => {
  const stop: CommandSpec = { path: 'skiff stop', usage: 'CONTAINER', summary: 'Stop', flags: [], args: { min: 1 } };
  assert.throws(() => checkArgCount(stop, 0), (e: unknown) => e instanceof CliError && e.exitCode === 1 && e.message.startsWith('"skiff stop" requires at least 1 argument.'));
  checkArgCount(stop, 3);
  const words = (args: CommandSpec['args'], n: number) => {
    try {
      checkArgCount({ path: 'skiff x', usage: '', summary: '', flags: [], args }, n);
    } catch (e) {
      return (e as Error).message.split('\n')[0];
    }
  };
  assert.equal(words({ max: 0 }, 1), '"skiff x" accepts no arguments.');
  assert.equal(words({ min: 1, max: 2 }, 0), '"skiff x" requires at least 1 and at most 2 arguments.');
  assert.equal(words({ min: 2, max: 2 }, 1), '"skiff x" requires 2 arguments.');
  assert.equal(words({ max: 1 }, 2), '"skiff x" accepts at most 1 argument.');
});

test('help lists usage and flags', () => {
  const h = helpText(run);
  assert.match(h, /Usage: {2}skiff run \[OPTIONS\] IMAGE/);
  assert.match(h, /-e, --env list +env/);
  assert.match(h, / {6}--name string +name/);
});
