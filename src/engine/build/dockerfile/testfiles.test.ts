// Whole files in the style of buildkit's parser/testfiles (health, influxdb) and continuation quirks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDockerfile, type Instruction } from './index.ts';

const summary = (i: Instruction): unknown => {
  switch (i.kind) {
    case 'RUN':
    case 'CMD':
    case 'ENTRYPOINT':
      return [i.kind, i.prependShell ? 'shell' : 'exec', ...i.command];
    case 'HEALTHCHECK':
      return [i.kind, i.health];
    case 'EXPOSE':
      return [i.kind, ...i.ports];
    case 'ADD':
    case 'COPY':
      return [i.kind, ...i.sources, i.dest];
    default:
      return [i.kind, i.line];
  }
};

test('health: every HEALTHCHECK shape docker accepts, and the ones it refuses', () => {
  const ok =
    'FROM debian\nADD check.sh main.sh /app/\nCMD /app/main.sh\n' +
    'HEALTHCHECK --interval=5s --timeout=3s --retries=3 \\\n  CMD /app/check.sh --quiet\n' +
    'HEALTHCHECK   CMD   a b\nHEALTHCHECK --timeout=3s CMD ["foo"]\n' +
    'HEALTHCHECK --start-period=0s --interval=5s --timeout=0s --retries=0 CMD ["foo"]\n';
  assert.deepEqual(parseDockerfile(ok).stages[0].instructions.map(summary), [
    ['ADD', 'check.sh', 'main.sh', '/app/'],
    ['CMD', 'shell', '/app/main.sh'],
    ['HEALTHCHECK', { Test: ['CMD-SHELL', '/app/check.sh --quiet'], Interval: 5e9, Timeout: 3e9, Retries: 3 }],
    ['HEALTHCHECK', { Test: ['CMD-SHELL', 'a b'] }],
    ['HEALTHCHECK', { Test: ['CMD', 'foo'], Timeout: 3e9 }],
    ['HEALTHCHECK', { Test: ['CMD', 'foo'], StartPeriod: 0, Interval: 5e9, Timeout: 0, Retries: 0 }],
  ]);
  assert.throws(() => parseDockerfile('FROM debian\nHEALTHCHECK\n'), { message: 'Dockerfile:2: HEALTHCHECK requires at least one argument' });
  assert.throws(() => parseDockerfile('FROM debian\nHEALTHCHECK CONNECT TCP 7000\n'), { message: 'Dockerfile:2: Unknown type "CONNECT" in HEALTHCHECK (try CMD)' });
});

test('influxdb: blank lines, quotes and ${X,,} inside RUN are left for the shell', () => {
  const text =
    'FROM ubuntu:14.04\n\nRUN apt-get update && apt-get install --yes --force-yes apt-transport-https curl\n' +
    'RUN /bin/bash -c \'source /etc/lsb-release && echo "deb https://repos.influxdata.com/${DISTRIB_ID,,} ${DISTRIB_CODENAME} stable"\' | tee "/etc/apt/sources.list.d/influxdb.list"\n' +
    '\nCMD service influxdb start\n\nEXPOSE 8086\nEXPOSE 8088\nEXPOSE 8089/udp\n';
  const list = parseDockerfile(text).stages[0].instructions;
  assert.deepEqual(list.map(summary), [
    ['RUN', 'shell', 'apt-get update && apt-get install --yes --force-yes apt-transport-https curl'],
    ['RUN', 'shell', '/bin/bash -c \'source /etc/lsb-release && echo "deb https://repos.influxdata.com/${DISTRIB_ID,,} ${DISTRIB_CODENAME} stable"\' | tee "/etc/apt/sources.list.d/influxdb.list"'],
    ['CMD', 'shell', 'service influxdb start'],
    ['EXPOSE', '8086'],
    ['EXPOSE', '8088'],
    ['EXPOSE', '8089/udp'],
  ]);
  assert.deepEqual(list.map((i) => i.line), [3, 4, 6, 8, 9, 10]);
});

test('continuation whitespace: kept before the escape and on the next line, dropped after the escape', () => {
  const text = 'FROM a\nRUN echo test1\\\na\nRUN echo test2  \\\nb\nRUN echo test3\\  \nc\nRUN echo test5\\\n  d\nRUN echo "x \\\n y"\n';
  assert.deepEqual(parseDockerfile(text).stages[0].instructions.map(summary), [
    ['RUN', 'shell', 'echo test1a'],
    ['RUN', 'shell', 'echo test2  b'],
    ['RUN', 'shell', 'echo test3c'],
    ['RUN', 'shell', 'echo test5  d'],
    ['RUN', 'shell', 'echo "x  y"'],
  ]);
});
