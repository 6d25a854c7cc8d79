// The parser against docker's behaviour: lines, directives, forms, heredocs, flags and messages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isKind } from '../../../lib/errors.ts';
import { parseDockerfile, parseTrigger, type Instruction } from './index.ts';

const only = (text: string): Instruction[] => parseDockerfile(text).stages[0].instructions;
const first = (text: string): Instruction => only(text)[0];

function rejects(text: string, message: string, file?: string): void {
  assert.throws(
    () => parseDockerfile(text, { file }),
    (err: unknown) => {
      assert.ok(isKind(err, 'InvalidArgument'), String(err));
      assert.equal((err as Error).message, message);
      return true;
    },
  );
}

test('instruction names are case-insensitive; leading whitespace and comments are skipped', () => {
  const df = parseDockerfile('# a comment\n  from busybox\n\n   # indented comment\n\tRuN echo hi\nworkdir /x\n');
  assert.equal(df.stages.length, 1);
  assert.equal(df.stages[0].from.image, 'busybox');
  assert.equal(df.stages[0].from.line, 2);
  assert.deepEqual(
    df.stages[0].instructions.map((i) => [i.kind, i.line]),
    [['RUN', 5], ['WORKDIR', 6]],
  );
});

test('continuation lines join; comments and blank lines inside are skipped (blank ones warned)', () => {
  const df = parseDockerfile('FROM busybox\nRUN echo a \\\n  # not part of it\n\n    b \\\n  c\nUSER me\n');
  const run = df.stages[0].instructions[0];
  assert.equal(run.kind, 'RUN');
  assert.deepEqual(run.kind === 'RUN' && run.command, ['echo a     b   c']);
  assert.deepEqual([run.line, run.endLine], [2, 6]);
  assert.equal(df.stages[0].instructions[1].line, 7);
  assert.equal(df.warnings.length, 1);
  assert.match(df.warnings[0], /^Empty continuation line found in: RUN echo a/);
});

test('a continuation at the end of the file ends the instruction there', () => {
  const run = first('FROM busybox\nRUN echo hi \\');
  assert.deepEqual(run.kind === 'RUN' && run.command, ['echo hi']);
  rejects('FROM busybox\nRUN \\\n', 'Dockerfile:2: RUN requires at least one argument');
});

test('parser directives: syntax and escape at the top only', () => {
  const df = parseDockerfile('# syntax=docker/dockerfile:1\n# escape=`\nFROM busybox\nRUN dir c:\\ `\n  && echo ok\n');
  assert.deepEqual(df.directives, { syntax: 'docker/dockerfile:1', escape: '`' });
  assert.equal(df.escape, '`');
  const run = df.stages[0].instructions[0];
  assert.deepEqual(run.kind === 'RUN' && run.command, ['dir c:\\   && echo ok']);
  // after any other line a directive is a plain comment, and backslash continues lines again
  const late = parseDockerfile('FROM busybox\n# escape=`\nRUN a \\\n b\n');
  assert.equal(late.escape, '\\');
  assert.deepEqual(late.directives, {});
  assert.equal(late.stages[0].instructions.length, 1);
  // an unknown directive ends the directive block
  assert.equal(parseDockerfile('# foo=bar\n# escape=`\nFROM x\n').escape, '\\');
  rejects('# escape=`\n# escape=\\\nFROM x\n', 'Dockerfile:2: only one escape parser directive can be used');
  rejects('# escape=x\nFROM x\n', "Dockerfile:1: invalid escape token 'x' does not match ` or \\");
});

test('errors name the line (and the -f file)', () => {
  rejects('FROM busybox\nRUN true\nFORM x\n', 'Dockerfile:3: unknown instruction: FORM (did you mean FROM?)');
  rejects('FROM busybox\n\nRUN \\\n true\nXYZZY x\n', 'Dockerfile:5: unknown instruction: XYZZY');
  rejects('FROM busybox\ncopyy a b\n', 'Dockerfile:2: unknown instruction: copyy (did you mean copy?)');
  rejects('FROM busybox\nFORM x\n', 'build/Dockerfile.dev:2: unknown instruction: FORM (did you mean FROM?)', 'build/Dockerfile.dev');
  rejects('RUN true\n', 'Dockerfile:1: no build stage in current context');
  rejects('ARG A=1\nENV B=2\nFROM x\n', 'Dockerfile:2: no build stage in current context');
  rejects('ARG A=1\n', 'Dockerfile:1: no build stage in current context');
  rejects('# only a comment\n\n', 'Dockerfile: file with no instructions');
});

test('JSON exec form vs shell form; a bad JSON array is the shell form', () => {
  const [cmd, ep, run, bad, empty] = only('FROM x\nCMD ["echo", "a b"]\nENTRYPOINT  [ "/bin/sh" ,"-c" ]\nRUN echo hi\nCMD [echo, hi]\nENTRYPOINT []\n');
  assert.deepEqual(cmd.kind === 'CMD' && [cmd.command, cmd.prependShell], [['echo', 'a b'], false]);
  assert.deepEqual(ep.kind === 'ENTRYPOINT' && ep.command, ['/bin/sh', '-c']);
  assert.deepEqual(run.kind === 'RUN' && [run.command, run.prependShell], [['echo hi'], true]);
  assert.deepEqual(bad.kind === 'CMD' && [bad.command, bad.prependShell], [['[echo, hi]'], true]);
  assert.deepEqual(empty.kind === 'ENTRYPOINT' && [empty.command, empty.prependShell], [[], false]);
  rejects('FROM x\nCMD ["a", 1]\n', 'Dockerfile:2: when using JSON array syntax, arrays must be comprised of strings only');
});

test('heredocs: RUN <<EOF, <<-EOF strips tabs, several per line, quoted terminators, COPY <<EOF /file', () => {
  const [run, two, copy] = only(
    'FROM x\nRUN <<EOF\necho hi\n  indented\nEOF\n' +
      "RUN <<-EOF bash && <<'EOT' cat\n\t\techo $HOME\n\tEOF\nraw $X\nEOT\n" +
      'COPY --chmod=644 <<a.txt <<b.txt /dst/\none\na.txt\ntwo\nb.txt\nUSER me\n',
  );
  assert.equal(run.kind, 'RUN');
  if (run.kind !== 'RUN' || two.kind !== 'RUN' || copy.kind !== 'COPY') return;
  assert.deepEqual(run.command, ['<<EOF']);
  assert.deepEqual(run.files, [{ name: 'EOF', data: 'echo hi\n  indented\n', expand: true }]);
  assert.deepEqual([run.line, run.endLine], [2, 5]);
  assert.deepEqual(two.files, [
    { name: 'EOF', data: 'echo $HOME\n', expand: true },
    { name: 'EOT', data: 'raw $X\n', expand: false },
  ]);
  assert.deepEqual(copy.sources, []);
  assert.deepEqual(copy.contents.map((c) => [c.name, c.data]), [['a.txt', 'one\n'], ['b.txt', 'two\n']]);
  assert.equal(copy.dest, '/dst/');
  assert.equal(copy.chmod, '644');
  rejects('FROM x\nRUN <<EOF\nno end\n', 'Dockerfile:2: unterminated heredoc');
  rejects('FROM x\nCOPY a <<EOF\nx\nEOF\n', 'Dockerfile:2: COPY cannot accept a heredoc as a destination');
  // `<<` in other instructions is text
  const env = first('FROM x\nENV A=<<EOF\n');
  assert.deepEqual(env.kind === 'ENV' && env.env, [{ key: 'A', value: '<<EOF' }]);
});

test('COPY and ADD: flags, sources and destination, JSON form', () => {
  const [c, a, j] = only(
    'FROM x\nCOPY --from=build --chown=1:2 --chmod=755 --link a b /dst/\nADD --keep-git-dir=true --checksum=sha256:abc https://x/y.tgz /\nCOPY ["a b", "/c d/"]\n',
  );
  assert.deepEqual(c.kind === 'COPY' && [c.from, c.chown, c.chmod, c.link, c.sources, c.dest], ['build', '1:2', '755', true, ['a', 'b'], '/dst/']);
  assert.deepEqual(a.kind === 'ADD' && [a.keepGitDir, a.checksum, a.sources, a.dest], [true, 'sha256:abc', ['https://x/y.tgz'], '/']);
  assert.deepEqual(j.kind === 'COPY' && [j.sources, j.dest], [['a b'], '/c d/']);
  rejects('FROM x\nCOPY onlyone\n', 'Dockerfile:2: COPY requires at least two arguments, but only one was provided. Destination could not be determined');
  rejects('FROM x\nCOPY --foo=bar a b\n', 'Dockerfile:2: Unknown flag: foo');
  rejects('FROM x\nCOPY --chown a b\n', 'Dockerfile:2: Missing a value on flag: chown');
  rejects('FROM x\nCOPY --link=maybe a b\n', 'Dockerfile:2: Expecting boolean value for flag link, not: maybe');
  rejects('FROM x\nCOPY --from=a --from=b a b\n', 'Dockerfile:2: Duplicate flag specified: from');
  rejects('FROM x\nADD --from=a a b\n', 'Dockerfile:2: Unknown flag: from');
  rejects('FROM x\nWORKDIR --foo /x\n', 'Dockerfile:2: Unknown flag: foo');
});

test('RUN flags are BuildKit-only and refused as docker\'s classic builder does', () => {
  rejects(
    'FROM x\nRUN --mount=type=cache,target=/root/.cache true\n',
    'Dockerfile:2: the --mount option requires BuildKit. Refer to https://docs.docker.com/go/buildkit/ to learn how to build images with BuildKit enabled',
  );
  rejects('FROM x\nRUN --network=none true\n', 'Dockerfile:2: the --network option requires BuildKit. Refer to https://docs.docker.com/go/buildkit/ to learn how to build images with BuildKit enabled');
  rejects('FROM x\nRUN --bogus true\n', 'Dockerfile:2: Unknown flag: bogus');
  // `--` words after the command belong to the command
  const run = first('FROM x\nRUN ls --all\n');
  assert.deepEqual(run.kind === 'RUN' && run.command, ['ls --all']);
});

test('FROM: platform, stage names, scratch, argument counts', () => {
  const df = parseDockerfile('FROM --platform=linux/amd64 golang:1 AS Build\nFROM scratch\n');
  assert.deepEqual([df.stages[0].from.platform, df.stages[0].from.image, df.stages[0].from.name], ['linux/amd64', 'golang:1', 'build']);
  assert.deepEqual([df.stages[1].from.image, df.stages[1].from.name, df.stages[1].index], ['scratch', '', 1]);
  rejects('FROM a b\n', 'Dockerfile:1: FROM requires either one or three arguments');
  rejects('FROM a AS 1st\n', 'Dockerfile:1: invalid name for build stage: "1st", name can\'t start with a number or contain symbols');
  rejects('FROM --plat=x a\n', 'Dockerfile:1: Unknown flag: plat');
});

test('ENV and LABEL: `k v` and `k=v …` forms, quotes kept until expansion', () => {
  const [e1, e2, l1] = only('FROM x\nENV PATH /usr/bin:/bin  with spaces\nENV A=1 B="two words" C=\nLABEL "com.x"="y z" version=1\n');
  assert.deepEqual(e1.kind === 'ENV' && e1.env, [{ key: 'PATH', value: '/usr/bin:/bin  with spaces' }]);
  assert.deepEqual(e2.kind === 'ENV' && e2.env, [
    { key: 'A', value: '1' },
    { key: 'B', value: '"two words"' },
    { key: 'C', value: '' },
  ]);
  assert.deepEqual(l1.kind === 'LABEL' && l1.labels, [
    { key: '"com.x"', value: '"y z"' },
    { key: 'version', value: '1' },
  ]);
  rejects('FROM x\nENV ONLY\n', 'Dockerfile:2: ENV must have two arguments');
  rejects('FROM x\nENV A=1 B\n', 'Dockerfile:2: Syntax error - can\'t find = in "B". Must be of the form: name=value');
  rejects('FROM x\nENV =1\n', 'Dockerfile:2: ENV names can not be blank');
  rejects('FROM x\nLABEL\n', 'Dockerfile:2: LABEL requires at least one argument');
});

test('ARG: names with and without defaults', () => {
  const df = parseDockerfile('ARG A B=2 C="x y"\nFROM x\nARG D\n');
  assert.deepEqual(df.metaArgs[0].args, [{ key: 'A' }, { key: 'B', value: '2' }, { key: 'C', value: '"x y"' }]);
  assert.equal(df.stages[0].instructions[0].kind, 'ARG');
  rejects('FROM x\nARG =1\n', 'Dockerfile:2: ARG names can not be blank');
  rejects('FROM x\nARG\n', 'Dockerfile:2: ARG requires at least one argument');
});

test('EXPOSE, VOLUME, USER, WORKDIR, STOPSIGNAL, SHELL, MAINTAINER', () => {
  const [ex, v1, v2, u, w, s, sh, m] = only(
    'FROM x\nEXPOSE 8080/udp 80\nVOLUME ["/a", "/b c"]\nVOLUME /d /e\nUSER app:app\nWORKDIR /srv/my app\nSTOPSIGNAL SIGTERM\nSHELL ["/bin/bash", "-c"]\nMAINTAINER Jane <j@x>\n',
  );
  assert.deepEqual(ex.kind === 'EXPOSE' && ex.ports, ['80', '8080/udp']);
  assert.deepEqual(v1.kind === 'VOLUME' && v1.volumes, ['/a', '/b c']);
  assert.deepEqual(v2.kind === 'VOLUME' && v2.volumes, ['/d', '/e']);
  assert.equal(u.kind === 'USER' && u.user, 'app:app');
  assert.equal(w.kind === 'WORKDIR' && w.path, '/srv/my app');
  assert.equal(s.kind === 'STOPSIGNAL' && s.signal, 'SIGTERM');
  assert.deepEqual(sh.kind === 'SHELL' && sh.shell, ['/bin/bash', '-c']);
  assert.equal(m.kind === 'MAINTAINER' && m.maintainer, 'Jane <j@x>');
  rejects('FROM x\nSHELL /bin/bash -c\n', 'Dockerfile:2: SHELL requires the arguments to be in JSON form');
  rejects('FROM x\nSHELL []\n', 'Dockerfile:2: SHELL requires at least one argument');
  rejects('FROM x\nEXPOSE\n', 'Dockerfile:2: EXPOSE requires at least one argument');
  rejects('FROM x\nVOLUME [""]\n', 'Dockerfile:2: VOLUME specified can not be an empty string');
  rejects('FROM x\nUSER\n', 'Dockerfile:2: USER requires exactly one argument');
});

test('HEALTHCHECK: NONE, CMD with flags, docker\'s checks', () => {
  const [none, shell, exec] = only('FROM x\nHEALTHCHECK NONE\nHEALTHCHECK --interval=5s --retries=3 CMD curl -f http://localhost/\nHEALTHCHECK --timeout=1m30s CMD ["/ok", "x"]\n');
  assert.deepEqual(none.kind === 'HEALTHCHECK' && none.health, { Test: ['NONE'] });
  assert.deepEqual(shell.kind === 'HEALTHCHECK' && shell.health, { Test: ['CMD-SHELL', 'curl -f http://localhost/'], Interval: 5e9, Retries: 3 });
  assert.deepEqual(exec.kind === 'HEALTHCHECK' && exec.health, { Test: ['CMD', '/ok', 'x'], Timeout: 90e9 });
  rejects('FROM x\nHEALTHCHECK NONE extra\n', 'Dockerfile:2: HEALTHCHECK NONE takes no arguments');
  rejects('FROM x\nHEALTHCHECK CMD\n', 'Dockerfile:2: Missing command after HEALTHCHECK CMD');
  rejects('FROM x\nHEALTHCHECK RUN x\n', 'Dockerfile:2: Unknown type "RUN" in HEALTHCHECK (try CMD)');
  rejects('FROM x\nHEALTHCHECK --interval=10us CMD x\n', 'Dockerfile:2: Interval "interval" cannot be less than 1ms');
  rejects('FROM x\nHEALTHCHECK --retries=-1 CMD x\n', 'Dockerfile:2: --retries cannot be negative (-1)');
  rejects('FROM x\nHEALTHCHECK --bogus=1 CMD x\n', 'Dockerfile:2: Unknown flag: bogus');
});

test('ONBUILD keeps its trigger text; ONBUILD ONBUILD/FROM/MAINTAINER are refused', () => {
  const o = first('FROM x\nONBUILD RUN echo "$HOME"\n');
  assert.equal(o.kind === 'ONBUILD' && o.expression, 'RUN echo "$HOME"');
  rejects('FROM x\nONBUILD ONBUILD RUN x\n', "Dockerfile:2: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  rejects('FROM x\nONBUILD from y\n', "Dockerfile:2: FROM isn't allowed as an ONBUILD trigger");
  // the child build re-parses the trigger text alone
  const trigger = parseTrigger(o.kind === 'ONBUILD' ? o.expression : '');
  assert.deepEqual(trigger.kind === 'RUN' && trigger.command, ['echo "$HOME"']);
  assert.throws(() => parseTrigger('RUN a\nRUN b'), { message: 'onbuild trigger should be a single expression' });
  rejects('FROM x\nONBUILD MAINTAINER me\n', "Dockerfile:2: MAINTAINER isn't allowed as an ONBUILD trigger");
});

test('CRLF line endings and a byte-order mark are accepted', () => {
  const df = parseDockerfile('\uFEFFFROM busybox\r\nRUN echo a \\\r\n b\r\n');
  assert.equal(df.stages[0].from.image, 'busybox');
  const run = df.stages[0].instructions[0];
  assert.deepEqual(run.kind === 'RUN' && run.command, ['echo a  b']);
});
