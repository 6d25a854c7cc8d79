// extends, include, !reset/!override, secrets and configs: the Compose features beyond one file's keys
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fixture, loadText } from './fixture.test-support.ts';

test('!reset drops what earlier files set, !override replaces instead of merging', async () => {
  const f = fixture({
    'compose.yaml': 'services:\n  web:\n    image: x\n    ports: ["8080:80"]\n    environment: { A: "1", B: "1" }\n    labels: { keep: "1" }\n    dns: [1.1.1.1]\n',
    'compose.override.yaml': 'services:\n  web:\n    ports: !reset []\n    environment: !override { C: "3" }\n    dns: !override [9.9.9.9]\n',
  });
  try {
    const web = (await f.load()).services.web;
    assert.deepEqual(web.ports, []);
    assert.deepEqual(web.environment, { C: '3' });
    assert.deepEqual(web.labels, { keep: '1' });
    assert.deepEqual(web.dns, ['9.9.9.9']);
  } finally {
    f.remove();
  }
});

test('extends: from the same file and from another (its relative paths against its own directory)', async () => {
  const f = fixture({
    'compose.yaml': `
services:
  base:
    image: b
    environment: { A: "1", B: "1" }
    ports: ["80"]
  web:
    extends: base
    environment: { B: "2" }
    ports: ["81"]
  api:
    extends: { service: common, file: shared/common.yml }
    command: serve
  deep:
    extends: web
    labels: { deep: "yes" }
`,
    'shared/common.yml': `
services:
  root:
    image: common:\${TAG:-1}
    env_file: common.env
  common:
    extends: root
    build: ./ctx
    volumes: ["./data:/data"]
    command: default
`,
    'shared/common.env': 'FROM_COMMON=1\n',
  });
  try {
    const p = await f.load();
    assert.deepEqual(p.services.web.environment, { A: '1', B: '2' });
    assert.deepEqual(p.services.web.ports.map((x) => x.target), [80, 81]);
    assert.equal(p.services.web.image, 'b');
    assert.deepEqual(p.services.deep.labels, { deep: 'yes' });
    assert.deepEqual(p.services.deep.environment, { A: '1', B: '2' });
    const api = p.services.api;
    assert.equal(api.image, 'common:1');
    assert.deepEqual(api.command, ['serve']);
    assert.equal(api.build?.context, join(f.dir, 'shared/ctx'));
    assert.deepEqual(api.environment, { FROM_COMMON: '1' });
    assert.equal(api.volumes[0].source, join(f.dir, 'shared/data'));
    assert.equal(api.raw.extends, undefined);
  } finally {
    f.remove();
  }
});

test('extends: a cycle and a missing base are errors', async () => {
  await assert.rejects(loadText('services:\n  a: { image: x, extends: b }\n  b: { image: x, extends: a }\n'), /services\.a\.extends: extends cycle: a -> b -> a$/);
  await assert.rejects(loadText('services:\n  a: { image: x, extends: nope }\n'), /services\.a\.extends: cannot extend service "a" in .*compose\.yaml: service "nope" not found$/);
});

test('include: another application imported (its own directory and .env), this file\'s definitions winning', async () => {
  const f = fixture({
    'compose.yaml': `
include:
  - sub/db.yaml
  - path: other/cache.yaml
    env_file: cache.env
services:
  web:
    image: web
    depends_on: [db, cache]
  db:
    environment: { LOCAL: "1" }
`,
    'sub/db.yaml': 'services:\n  db:\n    image: "db:${DB_TAG}"\n    volumes: ["./data:/data", "dbdata:/var/lib"]\nvolumes:\n  dbdata: {}\n',
    'sub/.env': 'DB_TAG=15\n',
    'other/cache.yaml': 'services:\n  cache:\n    image: "cache:${CACHE_TAG:-none}"\n',
    'cache.env': 'CACHE_TAG=7\n',
  });
  try {
    const p = await f.load();
    assert.deepEqual(Object.keys(p.services).sort(), ['cache', 'db', 'web']);
    assert.equal(p.services.db.image, 'db:15');
    assert.deepEqual(p.services.db.environment, { LOCAL: '1' });
    assert.equal(p.services.db.volumes[0].source, join(f.dir, 'sub/data'));
    assert.equal(p.services.cache.image, 'cache:7');
    assert.deepEqual(Object.keys(p.volumes), ['dbdata']);
    assert.equal(p.volumes.dbdata.name, 'proj_dbdata');
  } finally {
    f.remove();
  }
});

test('include: a cycle is an error', async () => {
  const f = fixture({ 'compose.yaml': 'include: [a.yaml]\nservices:\n  web: { image: x }\n', 'a.yaml': 'include: [b.yaml]\nservices:\n  a: { image: x }\n', 'b.yaml': 'include: [a.yaml]\nservices:\n  b: { image: x }\n' });
  try {
    await assert.rejects(f.load(), (e: Error) => e.message === `include cycle detected:\n${f.dir}/compose.yaml\n include ${f.dir}/a.yaml\n include ${f.dir}/b.yaml\n include ${f.dir}/a.yaml`);
  } finally {
    f.remove();
  }
});

test('extends with !reset and !override; checks only for active services; a disabled required dependency', async () => {
  const p = await loadText('services:\n  init: { image: a, command: "sleep infinity", ports: ["80"] }\n  base:\n    extends: { service: init }\n    command: !reset\n    ports: !override ["81"]\n');
  assert.equal(p.services.base.command, undefined);
  assert.deepEqual(p.services.base.ports.map((x) => x.target), [81]);
  // a disabled service may be incomplete (no image) or point at what is not there
  const q = await loadText('services:\n  web: { image: w }\n  tool: { profiles: [x], depends_on: [nothing], volumes: ["undeclared:/v"] }\n');
  assert.deepEqual(Object.keys(q.disabledServices), ['tool']);
  await assert.rejects(loadText('services:\n  web: { image: w, depends_on: [db] }\n  db: { image: d, profiles: [x, y] }\n'), {
    message: 'service "db" is required by "web" but is disabled. Can be enabled by profiles [x y]',
  });
});

test('secrets and configs from files are read-only bind mounts (/run/secrets/<name>, /<name>, or the target)', async () => {
  const f = fixture({
    'compose.yaml': `
services:
  db:
    image: postgres
    secrets: [db_password, { source: api_key, target: key.txt }]
    configs: [{ source: conf, target: /etc/app.conf }, conf]
secrets:
  db_password: { file: ./secrets/pw.txt }
  api_key: { file: /abs/key }
configs:
  conf: { file: app.conf }
`,
  });
  try {
    const p = await f.load();
    assert.deepEqual(p.services.db.volumes, [
      { type: 'bind', source: join(f.dir, 'secrets/pw.txt'), target: '/run/secrets/db_password', readOnly: true, bind: { propagation: undefined, createHostPath: false } },
      { type: 'bind', source: '/abs/key', target: '/run/secrets/key.txt', readOnly: true, bind: { propagation: undefined, createHostPath: false } },
      { type: 'bind', source: join(f.dir, 'app.conf'), target: '/etc/app.conf', readOnly: true, bind: { propagation: undefined, createHostPath: false } },
      { type: 'bind', source: join(f.dir, 'app.conf'), target: '/conf', readOnly: true, bind: { propagation: undefined, createHostPath: false } },
    ]);
    assert.equal((p.services.db.raw.volumes as unknown[]).length, 4);
  } finally {
    f.remove();
  }
  await assert.rejects(loadText('services:\n  a: { image: x, secrets: [nope] }\n'), /services\.a\.secrets\[0\]: service "a" refers to undefined secret nope: declare it under the top-level secrets:$/);
  await assert.rejects(loadText('services:\n  a: { image: x, secrets: [s] }\nsecrets:\n  s: { environment: PW }\n'), /services\.a\.secrets\[0\]: secret s: only file-based secrets are supported by skiff \(this one is environment\)$/);
});
