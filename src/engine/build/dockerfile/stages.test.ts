// Stages and scoping: meta ARGs in FROM, ARG/ENV per stage, --target, COPY --from, cycles.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isKind } from '../../../lib/errors.ts';
import { applyInstruction, expandInstruction, newScope, planBuild, type Instruction } from './index.ts';

function rejects(fn: () => unknown, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isKind(err, 'InvalidArgument'), String(err));
    assert.equal((err as Error).message, message);
    return true;
  });
}

// Run a stage's instructions through a scope, as the builder will, and return the expanded list.
function walk(instructions: Instruction[], metaArgs: Record<string, string>, buildArgs: Record<string, string> = {}, baseEnv: string[] = []) {
  const scope = newScope(baseEnv);
  const out = instructions.map((i) => applyInstruction(i, scope, { buildArgs, metaArgs }, '\\'));
  return { out, scope };
}

test('the worked example at the front door', () => {
  const text = 'ARG BASE=busybox\nFROM $BASE AS build\nENV DIR=/src\nWORKDIR $DIR\nRUN echo "$DIR" > out\nFROM scratch AS app\nCOPY --from=build /src/out /out\nCMD ["/out"]\n';
  const { plan } = planBuild(text, { buildArgs: { BASE: 'alpine:3' }, target: 'app' });
  assert.deepEqual(plan.metaArgs, { BASE: 'alpine:3' });
  assert.deepEqual([plan.stages[0].name, plan.stages[0].base], ['build', { kind: 'image', ref: 'alpine:3' }]);
  assert.deepEqual([plan.stages[1].name, plan.stages[1].base], ['app', { kind: 'scratch' }]);
  assert.deepEqual([...plan.stages[1].copyFrom], [[0, { kind: 'stage', index: 0 }]]);
  assert.deepEqual([plan.target, plan.order], [1, [0, 1]]);
  const { out } = walk(plan.stages[0].instructions, plan.metaArgs);
  assert.deepEqual(out[1].kind === 'WORKDIR' && out[1].path, '/src');
  assert.deepEqual(out[2].kind === 'RUN' && out[2].command, ['echo "$DIR" > out']); // RUN is never expanded
});

test('meta ARGs reach FROM lines only, unless re-declared in the stage', () => {
  const text = 'ARG TAG=1.36\nARG IMG=busybox:${TAG}\nFROM ${IMG}\nRUN true\nWORKDIR /a/$TAG\nARG TAG\nWORKDIR /b/$TAG\n';
  const { plan } = planBuild(text);
  assert.deepEqual(plan.stages[0].base, { kind: 'image', ref: 'busybox:1.36' });
  const { out } = walk(plan.stages[0].instructions, plan.metaArgs);
  assert.deepEqual(out.filter((i) => i.kind === 'WORKDIR').map((i) => i.kind === 'WORKDIR' && i.path), ['/a/', '/b/1.36']);
  // a --build-arg wins over both defaults
  const built = planBuild(text, { buildArgs: { TAG: 'latest' } });
  assert.deepEqual(built.plan.stages[0].base, { kind: 'image', ref: 'busybox:latest' });
  assert.deepEqual(built.plan.unusedBuildArgs, []);
  assert.deepEqual(planBuild(text, { buildArgs: { NOPE: '1', http_proxy: 'http://p:3128' } }).plan.unusedBuildArgs, ['NOPE']);
});

test('ARG and ENV scoping: ENV wins over ARG, one line sees the scope from before it, base env is visible', () => {
  const { plan } = planBuild('FROM x\nARG V=arg\nENV V=env\nUSER $V\nENV abc=bye def=$abc\nLABEL who=$HOME\nARG LATE=$V\n');
  const { out, scope } = walk(plan.stages[0].instructions, {}, {}, ['HOME=/root', 'abc=hello']);
  assert.equal(out[2].kind === 'USER' && out[2].user, 'env');
  assert.deepEqual(out[3].kind === 'ENV' && out[3].env, [{ key: 'abc', value: 'bye' }, { key: 'def', value: 'hello' }]);
  assert.deepEqual(out[4].kind === 'LABEL' && out[4].labels, [{ key: 'who', value: '/root' }]);
  assert.deepEqual(scope.args, { V: 'arg', LATE: 'env' });
  assert.equal(scope.env.def, 'hello');
  // a build-arg overrides an ARG default, not an ENV
  const again = walk(plan.stages[0].instructions, {}, { V: 'cli' });
  assert.equal(again.out[2].kind === 'USER' && again.out[2].user, 'env');
  assert.equal(again.scope.args.V, 'cli');
});

test('docker expands ADD COPY ENV EXPOSE LABEL STOPSIGNAL USER VOLUME WORKDIR, not RUN CMD ENTRYPOINT ONBUILD HEALTHCHECK', () => {
  const { plan } = planBuild(
    'FROM x\nCOPY --chown=$U:$U ["$SRC", "/d/$U"]\nADD ["$SRC", "/with space/"]\nEXPOSE $PORTS\nVOLUME $DIR\nSTOPSIGNAL $SIG\n' +
      'CMD echo $U\nENTRYPOINT ["$U"]\nONBUILD RUN $U\nHEALTHCHECK CMD $U\n',
  );
  const vars = { U: 'app', SRC: 'a.txt', PORTS: '80 443/udp', DIR: '/data', SIG: 'SIGINT' };
  const out = plan.stages[0].instructions.map((i) => expandInstruction(i, vars));
  const [copy, add, expose, volume, sig, cmd, ep, onbuild, hc] = out;
  assert.deepEqual(copy.kind === 'COPY' && [copy.chown, copy.sources, copy.dest], ['app:app', ['a.txt'], '/d/app']);
  assert.deepEqual(add.kind === 'ADD' && [add.sources, add.dest], [['a.txt'], '/with space/']);
  assert.deepEqual(expose.kind === 'EXPOSE' && expose.ports, ['80', '443/udp']);
  assert.deepEqual(volume.kind === 'VOLUME' && volume.volumes, ['/data']);
  assert.equal(sig.kind === 'STOPSIGNAL' && sig.signal, 'SIGINT');
  assert.deepEqual(cmd.kind === 'CMD' && cmd.command, ['echo $U']);
  assert.deepEqual(ep.kind === 'ENTRYPOINT' && ep.command, ['$U']);
  assert.equal(onbuild.kind === 'ONBUILD' && onbuild.expression, 'RUN $U');
  assert.deepEqual(hc.kind === 'HEALTHCHECK' && hc.health.Test, ['CMD-SHELL', '$U']);
  // COPY/ADD split on spaces before expansion, so quotes cannot hold a space (docker fails the same way)
  const spaced = planBuild('FROM x\nADD a "/with space/"\n').plan.stages[0].instructions[0];
  assert.throws(() => expandInstruction(spaced, vars), /failed to process ""\/with": unexpected end of statement while looking for matching double-quote/);
  // escapes and single quotes keep `$` literal
  const lit = expandInstruction(planBuild("FROM x\nENV A=\\$U B='$U' C=\"$U\"\n").plan.stages[0].instructions[0], vars);
  assert.deepEqual(lit.kind === 'ENV' && lit.env.map((e) => e.value), ['$U', '$U', 'app']);
});

test('stages by name and index; FROM an earlier stage; COPY --from stage, index or image', () => {
  const text =
    'FROM busybox AS base\nFROM base AS build\nCOPY --from=0 /a /a\nCOPY --from=BASE /b /b\nCOPY --from=alpine:3 /c /c\n' +
    'COPY --from=later /d /d\nFROM later AS later\nFROM scratch\nCOPY --from=build /x /x\n';
  const { plan } = planBuild(text);
  assert.deepEqual(plan.stages.map((s) => s.base), [
    { kind: 'image', ref: 'busybox' },
    { kind: 'stage', index: 0 },
    { kind: 'image', ref: 'later' }, // FROM sees earlier stages only
    { kind: 'scratch' },
  ]);
  assert.deepEqual([...plan.stages[1].copyFrom.values()], [
    { kind: 'stage', index: 0 },
    { kind: 'stage', index: 0 },
    { kind: 'image', ref: 'alpine:3' },
    { kind: 'stage', index: 2 }, // COPY --from may name a later stage
  ]);
  assert.deepEqual([plan.target, plan.order], [3, [0, 2, 1, 3]]);
});

test('--target picks the stage and only what it needs', () => {
  const text = 'FROM busybox AS a\nFROM busybox AS b\nFROM a AS c\nFROM b\n';
  assert.deepEqual(planBuild(text, { target: 'C' }).plan.order, [0, 2]);
  assert.deepEqual(planBuild(text).plan.order, [1, 3]);
  rejects(() => planBuild(text, { target: 'nope' }), 'failed to reach build target nope in Dockerfile');
});

test('cycles, bad indexes, duplicate names and expansion errors name the line', () => {
  rejects(() => planBuild('FROM busybox AS a\nCOPY --from=b /x /x\nFROM busybox AS b\nCOPY --from=a /y /y\n', { target: 'a' }), 'Dockerfile:4: circular dependency detected on stage: a');
  rejects(() => planBuild('FROM busybox AS a\nCOPY --from=a /x /x\n'), 'Dockerfile:2: circular dependency detected on stage: a');
  rejects(() => planBuild('FROM busybox\nCOPY --from=3 /x /x\n'), 'Dockerfile:2: invalid from flag value 3: index out of bounds');
  rejects(() => planBuild('FROM busybox\nFROM busybox\nCOPY --from=1 /x /x\n'), 'Dockerfile:3: invalid from flag value 1: refers to current build stage');
  rejects(() => planBuild('FROM busybox AS a\nFROM busybox AS A\n'), 'Dockerfile:2: duplicate stage name "a"');
  rejects(() => planBuild('ARG X\nFROM ${X:?setX}\n'), 'Dockerfile:2: failed to process "${X:?setX}": X: setX');
  // a missing variable that the base image may provide is left for the builder's step
  assert.equal(planBuild('FROM busybox\nWORKDIR ${HOME:?}\n').plan.order.length, 1);
  rejects(() => planBuild('ARG X\nFROM $X\n'), 'Dockerfile:2: base name ($X) should not be blank');
  rejects(
    () => planBuild('ARG S=a\nFROM busybox AS a\nFROM busybox\nARG S\nCOPY --from=$S /x /y\n'),
    'Dockerfile:5: variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround',
  );
});
