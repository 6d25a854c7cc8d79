import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fixture, loadText } from './fixture.test-support.ts';

test('discovery: compose.yaml in the directory or a parent, with its override file; project dir and name from it', async () => {
  const f = fixture({
    'compose.yaml': 'services:\n  web:\n    image: a\n',
    'docker-compose.yml': 'services:\n  other:\n    image: b\n',
    'compose.override.yaml': 'services:\n  web:\n    image: c\n',
  }, 'My.App-1');
  try {
    mkdirSync(join(f.dir, 'sub/deeper'), { recursive: true });
    const p = await f.load({ cwd: join(f.dir, 'sub/deeper') });
    assert.deepEqual(p.configFiles, [join(f.dir, 'compose.yaml'), join(f.dir, 'compose.override.yaml')]);
    assert.equal(p.workingDir, f.dir);
    assert.equal(p.name, 'myapp-1');
    assert.deepEqual(Object.keys(p.services), ['web']);
    assert.equal(p.services.web.image, 'c');
    assert.match(f.warnings.join('\n'), /Found multiple config files with supported names/);
  } finally {
    f.remove();
  }
});

test('discovery: no file anywhere is a NotFound error', async () => {
  const f = fixture({});
  try {
    await assert.rejects(f.load({ cwd: '/' }), { kind: 'NotFound', message: 'no configuration file provided: not found' });
  } finally {
    f.remove();
  }
});

test('-f: several files merged in order; relative paths against the first file\'s directory; - is stdin', async () => {
  const f = fixture({
    'base/compose.yml': `
services:
  web:
    image: web:1
    command: ["a", "b"]
    entrypoint: /e1
    environment: { A: "1", B: "1" }
    labels: ["l1=x"]
    ports: ["8080:80", "9090:90"]
    expose: ["1000"]
    dns: 1.1.1.1
    volumes: ["./data:/data", "logs:/logs"]
    networks: [front]
    depends_on: [db]
    healthcheck: { test: ["CMD", "a"], interval: 10s }
    logging: { driver: json-file, options: { max-size: 1m } }
    build: { context: ./web, args: [X=1] }
  db:
    image: db
networks: { front: {} }
volumes: { logs: {} }
`,
    'over.yml': `
services:
  web:
    image: web:2
    command: c
    environment: [B=2, C=3]
    labels: { l2: y }
    ports: ["8080:80", "7070:70"]
    expose: ["1000", "2000"]
    dns: [8.8.8.8]
    volumes: ["/other:/data:ro"]
    networks: { front: { aliases: [w] } }
    depends_on: { db: { condition: service_healthy } }
    healthcheck: { test: ["CMD", "b"] }
    logging: { options: { max-file: "3" } }
    build: { args: { Y: "2" } }
`,
  });
  try {
    const stdin = Readable.from(['services:\n  web:\n    user: "1000"\n']);
    const p = await f.load({ files: ['base/compose.yml', 'over.yml', '-'], stdin });
    const web = p.services.web;
    assert.deepEqual(p.configFiles, [join(f.dir, 'base/compose.yml'), join(f.dir, 'over.yml'), '-']);
    assert.equal(p.workingDir, join(f.dir, 'base'));
    assert.equal(p.name, 'base');
    assert.equal(web.image, 'web:2');
    assert.deepEqual(web.command, ['c']);
    assert.deepEqual(web.entrypoint, ['/e1']);
    assert.deepEqual(web.environment, { A: '1', B: '2', C: '3' });
    assert.deepEqual(web.labels, { l1: 'x', l2: 'y' });
    assert.deepEqual(web.ports.map((x) => `${x.published}:${x.target}`), ['8080:80', '9090:90', '7070:70']);
    assert.deepEqual(web.expose, ['1000/tcp', '2000/tcp']);
    assert.deepEqual(web.dns, ['1.1.1.1', '8.8.8.8']);
    assert.deepEqual(web.volumes.map((v) => `${v.source}:${v.target}:${v.readOnly}`), ['/other:/data:true', 'logs:/logs:false']);
    assert.deepEqual(web.networks, { front: { aliases: ['w'], ipv4Address: undefined, ipv6Address: undefined, priority: undefined } });
    assert.equal(web.dependsOn.db.condition, 'service_healthy');
    assert.deepEqual(web.healthcheck?.test, ['CMD', 'b']);
    assert.equal(web.healthcheck?.interval, 10e9);
    assert.deepEqual(web.logging, { driver: 'json-file', options: { 'max-size': '1m', 'max-file': '3' } });
    assert.deepEqual(web.build?.args, { X: '1', Y: '2' });
    assert.equal(web.build?.context, join(f.dir, 'base/web'));
    assert.equal(web.user, '1000');
  } finally {
    f.remove();
  }
});

test('-f: a missing file is an error naming it', async () => {
  const f = fixture({});
  try {
    await assert.rejects(f.load({ files: ['nope.yml'] }), { kind: 'NotFound', message: `open ${join(f.dir, 'nope.yml')}: no such file or directory` });
  } finally {
    f.remove();
  }
});

test('YAML: anchors and merge keys; x- extensions ignored at top level and in services; version warned', async () => {
  const f = fixture({
    'compose.yaml': `
version: "3.8"
x-base: &base
  image: busybox
  environment: { SHARED: "1" }
  restart: always
services:
  a:
    <<: *base
    x-note: ignored
  b:
    <<: *base
    restart: "no"
`,
  });
  try {
    const p = await f.load();
    assert.equal(p.services.a.image, 'busybox');
    assert.equal(p.services.a.restart, 'always');
    assert.equal(p.services.b.restart, 'no');
    assert.deepEqual(p.services.b.environment, { SHARED: '1' });
    assert.match(f.warnings.join('\n'), /the attribute `version` is obsolete/);
  } finally {
    f.remove();
  }
});

test('interpolation: process env wins over .env; --env-file replaces .env; defaults; $$; warnings for unset', async () => {
  const files = {
    'compose.yaml': `
services:
  web:
    image: "\${IMG}:\${TAG:-latest}"
    environment:
      FROM_ENV: "\${ONLY_ENV}"
      LITERAL: "$$HOME"
      MISSING: "\${NOPE}"
      BARE:
`,
    '.env': 'IMG=fromdotenv\nTAG=1.0\nBARE=dot\n',
    'other.env': 'IMG=fromother\n',
  };
  const f = fixture(files);
  try {
    let p = await f.load({ env: { TAG: '2.0', ONLY_ENV: 'e' } });
    assert.equal(p.services.web.image, 'fromdotenv:2.0');
    assert.deepEqual(p.services.web.environment, { FROM_ENV: 'e', LITERAL: '$HOME', MISSING: '', BARE: 'dot' });
    assert.equal(p.environment.IMG, 'fromdotenv');
    assert.equal(p.environment.TAG, '2.0');
    assert.deepEqual(f.warnings, ['The "NOPE" variable is not set. Defaulting to a blank string.']);
    p = await f.load({ env: {}, envFiles: ['other.env'] });
    assert.equal(p.services.web.image, 'fromother:latest');
    assert.deepEqual(p.services.web.environment, { FROM_ENV: '', LITERAL: '$HOME', MISSING: '' });
  } finally {
    f.remove();
  }
});

test('project name: -p, then COMPOSE_PROJECT_NAME (also from .env), then name:, then the directory', async () => {
  const f = fixture({ 'compose.yaml': 'name: from-file\nservices:\n  a:\n    image: x\n' }, 'Dir Name');
  try {
    assert.equal((await f.load({ projectName: 'cli', env: { COMPOSE_PROJECT_NAME: 'env' } })).name, 'cli');
    assert.equal((await f.load({ env: { COMPOSE_PROJECT_NAME: 'env' } })).name, 'env');
    assert.equal((await f.load()).name, 'from-file');
    f.write({ '.env': 'COMPOSE_PROJECT_NAME=dotenv\n' });
    assert.equal((await f.load()).name, 'dotenv');
    f.write({ '.env': '', 'compose.yaml': 'services:\n  a:\n    image: x\n' });
    assert.equal((await f.load()).name, 'dirname');
    await assert.rejects(f.load({ projectName: 'Bad Name' }), {
      message: 'invalid project name "Bad Name": must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number',
    });
    await assert.rejects(f.load({ projectName: '_x' }), /invalid project name "_x"/);
  } finally {
    f.remove();
  }
});

test('profiles: inactive services are disabled; --profile, COMPOSE_PROFILES and naming a service enable them', async () => {
  const text = `
services:
  web: { image: w }
  debug: { image: d, profiles: [dev], depends_on: [helper] }
  helper: { image: h, profiles: [dev, tools] }
  other: { image: o, profiles: [ops] }
  lonely: { image: l, profiles: [solo], depends_on: [needs] }
  needs: { image: n, profiles: [extra] }
`;
  const names = (p: { services: object; disabledServices: object }) => [Object.keys(p.services).sort(), Object.keys(p.disabledServices).sort()];
  assert.deepEqual(names(await loadText(text)), [['web'], ['debug', 'helper', 'lonely', 'needs', 'other']]);
  assert.deepEqual(names(await loadText(text, { profiles: ['ops'] })), [['other', 'web'], ['debug', 'helper', 'lonely', 'needs']]);
  assert.deepEqual(names(await loadText(text, { env: { COMPOSE_PROFILES: 'ops, tools' } })), [['helper', 'other', 'web'], ['debug', 'lonely', 'needs']]);
  assert.deepEqual(names(await loadText(text, { profiles: ['*'] })), [['debug', 'helper', 'lonely', 'needs', 'other', 'web'], []]);
  // `up debug`: its profiles are enabled (and so helper, which shares one)
  assert.deepEqual(names(await loadText(text, { services: ['debug'] })), [['debug', 'helper', 'web'], ['lonely', 'needs', 'other']]);
  await assert.rejects(loadText(text, { services: ['nope'] }), { kind: 'NotFound', message: 'no such service: nope' });
  await assert.rejects(loadText(text, { services: ['lonely'] }), {
    message: 'service "needs" is required by "lonely" but is disabled. Can be enabled by profiles [extra]',
  });
  // an optional dependency that is disabled is left out
  const p = await loadText(text.replace('depends_on: [needs]', 'depends_on: { needs: { condition: service_started, required: false } }'), { profiles: ['solo'] });
  assert.deepEqual(p.services.lonely.dependsOn, {});
});

test('networks and volumes: default network, names, external, driver options, ipam', async () => {
  const p = await loadText(`
name: app
services:
  a: { image: x, networks: [back, ext], volumes: [data:/d, shared:/s] }
  b: { image: x }
  c: { image: x, network_mode: host }
networks:
  back:
    driver: bridge
    driver_opts: { com.docker.network.bridge.name: br-x }
    internal: true
    ipam: { config: [{ subnet: 10.9.0.0/24, gateway: 10.9.0.1 }] }
    labels: [tier=back]
  ext: { external: true }
  unused: {}
  default: { name: custom_default }
volumes:
  data: { labels: { k: v } }
  shared: { external: true, name: real-shared }
  spare:
`);
  assert.deepEqual(Object.keys(p.networks), ['back', 'default', 'ext']);
  assert.deepEqual(p.networks.back, {
    name: 'app_back', external: false, driver: 'bridge', driverOpts: { 'com.docker.network.bridge.name': 'br-x' }, internal: true,
    attachable: false, enableIpv6: false, ipam: { driver: undefined, config: [{ subnet: '10.9.0.0/24', gateway: '10.9.0.1', ipRange: undefined }] }, labels: { tier: 'back' },
  });
  assert.equal(p.networks.ext.name, 'ext');
  assert.equal(p.networks.ext.external, true);
  assert.equal(p.networks.default.name, 'custom_default');
  assert.deepEqual(p.services.b.networks, { default: { aliases: [] } });
  assert.deepEqual(p.services.c.networks, {});
  assert.equal(p.services.c.networkMode, 'host');
  assert.deepEqual(Object.keys(p.volumes), ['data', 'shared', 'spare']);
  assert.deepEqual(p.volumes.data, { name: 'app_data', external: false, driver: undefined, driverOpts: {}, labels: { k: 'v' } });
  assert.deepEqual(p.volumes.shared, { name: 'real-shared', external: true, driver: undefined, driverOpts: {}, labels: {} });
});

test('name: is interpolated and normalized; ${COMPOSE_PROJECT_NAME} is the project name', async () => {
  const p = await loadText('name: "My_${SUFFIX}"\nservices:\n  web:\n    image: x\n    labels: { p: "${COMPOSE_PROJECT_NAME}" }\n', { env: { SUFFIX: 'App.Prod' } });
  assert.equal(p.name, 'my_appprod');
  assert.deepEqual(p.services.web.labels, { p: 'my_appprod' });
  assert.equal((await loadText('services:\n  web:\n    image: x\n    labels: { p: "${COMPOSE_PROJECT_NAME}" }\n', { projectName: 'given' })).services.web.labels.p, 'given');
});

test('COMPOSE_FILE from the environment or the .env of the working directory; COMPOSE_PATH_SEPARATOR', async () => {
  const f = fixture({ 'a.yml': 'services:\n  a: { image: a }\n', 'b.yml': 'services:\n  b: { image: b }\n', '.env': 'COMPOSE_FILE=a.yml\n' });
  try {
    assert.deepEqual(Object.keys((await f.load()).services), ['a']);
    assert.deepEqual(Object.keys((await f.load({ env: { COMPOSE_FILE: 'a.yml;b.yml', COMPOSE_PATH_SEPARATOR: ';' } })).services), ['a', 'b']);
    assert.deepEqual(Object.keys((await f.load({ files: ['b.yml'] })).services), ['b']);
  } finally {
    f.remove();
  }
});

test('booleans: YAML 1.1 words are taken with compose-go\'s warning; restart: no stays a string', async () => {
  const f = fixture({ 'compose.yaml': 'services:\n  web:\n    image: x\n    init: yes\n    tty: "off"\n    restart: no\n    volumes: [{ type: volume, source: v, target: /v, read_only: "on" }]\nvolumes:\n  v: { external: "yes" }\n' });
  try {
    const p = await f.load();
    assert.equal(p.services.web.init, true);
    assert.equal(p.services.web.tty, false);
    assert.equal(p.services.web.restart, 'no');
    assert.equal(p.services.web.volumes[0].readOnly, true);
    assert.equal(p.volumes.v.external, true);
    assert.ok(f.warnings.includes(`${f.dir}/compose.yaml: services.web.init: "yes" for boolean is not supported by YAML 1.2, please use \`true\``), f.warnings.join('\n'));
  } finally {
    f.remove();
  }
});

test('links order the start like depends_on (the name resolves on the project network anyway)', async () => {
  const f = fixture({ 'compose.yaml': 'services:\n  web: { image: x, links: ["db:database"] }\n  db: { image: y }\n' });
  try {
    const p = await f.load();
    assert.deepEqual(p.services.web.dependsOn, { db: { condition: 'service_started', required: true, restart: false } });
    assert.deepEqual(f.warnings, []);
  } finally {
    f.remove();
  }
});
