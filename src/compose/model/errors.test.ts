import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture } from './fixture.test-support.ts';
import { ComposeError } from './errors.ts';

/** Load `compose.yaml` (and extra files) and return the error's message with the temp dir written as DIR */
async function failure(text: string, extra: Record<string, string> = {}, o: object = {}): Promise<ComposeError> {
  const f = fixture({ 'compose.yaml': text, ...extra });
  try {
    await f.load(o);
  } catch (err) {
    assert.ok(err instanceof ComposeError, String(err));
    Object.defineProperty(err, 'message', { value: err.message.replaceAll(f.dir, 'DIR') });
    return err;
  } finally {
    f.remove();
  }
  assert.fail('loaded without an error');
}

test('unknown keys: docker compose wording, the file, and the nearest key', async () => {
  let e = await failure('services:\n  web:\n    imagee: x\n');
  assert.equal(e.message, "validating DIR/compose.yaml: services.web additional properties 'imagee' not allowed (did you mean 'image'?)");
  assert.equal(e.service, 'web');
  assert.equal(e.key, 'services.web.imagee');
  e = await failure('servics:\n  web: {}\n');
  assert.equal(e.message, "validating DIR/compose.yaml: (root) additional properties 'servics' not allowed (did you mean 'services'?)");
  e = await failure('services:\n  web:\n    image: x\n    healthcheck: { tets: [CMD, x] }\n');
  assert.equal(e.message, "validating DIR/compose.yaml: services.web.healthcheck additional properties 'tets' not allowed (did you mean 'test'?)");
  e = await failure('services:\n  web:\n    image: x\n    zzzqqq: 1\n');
  assert.equal(e.message, "validating DIR/compose.yaml: services.web additional properties 'zzzqqq' not allowed");
  e = await failure('services:\n  web:\n    image: x\n    devices: [/dev/fuse]\n');
  assert.equal(e.message, 'validating DIR/compose.yaml: services.web.devices is not supported by skiff');
});

test('wrong types name the key and the type wanted', async () => {
  const cases: Array<[string, string]> = [
    ['services:\n  web:\n    image: [x]\n', 'services.web.image must be a string'],
    ['services:\n  web:\n    image: x\n    ports: 80\n', 'services.web.ports must be a array'],
    ['services:\n  web:\n    image: x\n    environment: 3\n', 'services.web.environment must be a array or mapping'],
    ['services:\n  web:\n    image: x\n    scale: many\n', 'services.web.scale must be a integer'],
    ['services:\n  web:\n    image: x\n    init: maybe\n', 'services.web.init must be a boolean'],
    ['services:\n  web:\n', 'services.web must be a mapping'],
    ['services: [web]\n', 'services must be a mapping'],
  ];
  for (const [text, want] of cases) assert.equal((await failure(text)).message, `validating DIR/compose.yaml: ${want}`);
  assert.equal((await failure('- a\n')).message, 'DIR/compose.yaml: Top-level object must be a mapping');
  assert.equal((await failure('')).message, 'DIR/compose.yaml: empty compose file');
  assert.match((await failure('services:\n  a: {image: x}\n  a: {image: y}\n')).message, /^DIR\/compose.yaml: Map keys must be unique/);
});

test('a dependency cycle', async () => {
  const e = await failure('services:\n  a: { image: x, depends_on: [b] }\n  b: { image: x, depends_on: { c: { condition: service_healthy } } }\n  c: { image: x, depends_on: [a] }\n');
  assert.equal(e.message, 'DIR/compose.yaml: dependency cycle detected: a -> b -> c -> a');
});

test('depends_on an unknown service; an optional one is dropped with a warning', async () => {
  const e = await failure('services:\n  web: { image: x, depends_on: [dbx] }\n');
  assert.equal(e.message, 'DIR/compose.yaml: services.web.depends_on: service "web" depends on undefined service "dbx"');
  const f = fixture({ 'compose.yaml': 'services:\n  web: { image: x, depends_on: { dbx: { condition: service_started, required: false } } }\n' });
  try {
    assert.deepEqual((await f.load()).services.web.dependsOn, {});
    assert.match(f.warnings.join(), /optional dependency "dbx" is not defined/);
  } finally {
    f.remove();
  }
});

test('a service with neither image nor build, named in the file that defines it', async () => {
  const e = await failure('services:\n  web:\n    command: x\n');
  assert.equal(e.message, 'DIR/compose.yaml: services.web: service "web" has neither an image nor a build context specified');
});

test('an unset required variable: the :? and ? messages, the path', async () => {
  let e = await failure('services:\n  web:\n    image: "app:${TAG:?TAG must be set}"\n');
  assert.equal(e.message, 'DIR/compose.yaml: error while interpolating services.web.image: required variable TAG is missing a value: TAG must be set');
  e = await failure('services:\n  web:\n    image: "${IMG?}"\n');
  assert.equal(e.message, 'DIR/compose.yaml: error while interpolating services.web.image: required variable IMG is missing a value');
  e = await failure('services:\n  web:\n    image: "${IMG"\n');
  assert.equal(e.message, 'DIR/compose.yaml: error while interpolating services.web.image: Invalid template: "${IMG"');
});

test('invalid port specs', async () => {
  const cases: Array<[string, string]> = [
    ['"80:abc"', 'ports[0]: invalid containerPort: abc'],
    ['"x:80"', 'ports[0]: invalid hostPort: x'],
    ['"80/xyz"', 'ports[0]: invalid proto: xyz'],
    ['"70000"', 'ports[0]: invalid containerPort: 70000'],
    ['"1.2.3:80:80"', 'ports[0]: invalid IP address: 1.2.3'],
    ['"8000-8002:80-81"', 'ports[0]: invalid ranges specified for container and host Ports: 80-81 and 8000-8002'],
    ['"1:2:3:4"', 'ports[0]: invalid IP address: 1:2'],
    ['{ published: 80 }', 'ports[0]: target is required'],
  ];
  for (const [spec, want] of cases) {
    const e = await failure(`services:\n  web:\n    image: x\n    ports: [${spec}]\n`);
    assert.equal(e.message, `DIR/compose.yaml: services.web.${want}`, spec);
    assert.equal(e.key, 'services.web.ports[0]');
  }
});

test('a port conflict between services, or within one, names the file that publishes it second', async () => {
  let e = await failure('services:\n  a: { image: x, ports: ["8080:80"] }\n  b: { image: x, ports: ["8080:81"] }\n');
  assert.equal(e.message, 'DIR/compose.yaml: services.b.ports: port conflict: host port 0.0.0.0:8080/tcp is already published by service "a"');
  e = await failure('services:\n  a: { image: x, ports: ["127.0.0.1:8080:80"] }\n  b: { image: x, ports: ["8079-8081:90"] }\n');
  assert.equal(e.message, 'DIR/compose.yaml: services.b.ports: port conflict: host port 0.0.0.0:8080/tcp is already published by service "a"');
  e = await failure('services:\n  a: { image: x, ports: ["8080:80", "8080:81"] }\n');
  assert.match(e.message, /already published by another entry of this service/);
  // different protocols, different addresses, or a disabled service: no conflict
  const f = fixture({ 'compose.yaml': 'services:\n  a: { image: x, ports: ["8080:80", "8080:80/udp", "127.0.0.1:9000:1"] }\n  b: { image: x, ports: ["127.0.0.2:9000:1"] }\n  c: { image: x, ports: ["8080:80"], profiles: [p] }\n' });
  try {
    await f.load();
  } finally {
    f.remove();
  }
});

test('a volume or network a service names must be declared at the top level', async () => {
  let e = await failure('services:\n  web: { image: x, volumes: ["data:/data"] }\n');
  assert.equal(e.message, 'DIR/compose.yaml: services.web.volumes: service "web" refers to undefined volume data: declare it under the top-level volumes:');
  e = await failure('services:\n  web: { image: x, networks: [front] }\n');
  assert.equal(e.message, 'DIR/compose.yaml: services.web.networks: service "web" refers to undefined network front: declare it under the top-level networks:');
});

test('bad durations, restart policies, conditions, volume specs', async () => {
  const cases: Array<[string, string]> = [
    ['healthcheck: { test: x, interval: 10 }', 'services.web.healthcheck.interval must be a string'],
    ['healthcheck: { test: x, interval: "10" }', 'services.web.healthcheck.interval: time: missing unit in duration "10"'],
    ['healthcheck: { test: x, timeout: "1x" }', 'services.web.healthcheck.timeout: time: unknown unit "x" in duration "1x"'],
    ['stop_grace_period: soon', 'services.web.stop_grace_period: time: invalid duration "soon"'],
    ['restart: sometimes', 'services.web.restart: invalid restart policy "sometimes": must be no, always, on-failure[:max-retries] or unless-stopped'],
    ['depends_on: { db: { condition: service_ready } }', 'services.web.depends_on.db.condition: invalid condition "service_ready": must be one of service_started, service_healthy, service_completed_successfully'],
    ['volumes: ["data"]', 'services.web.volumes[0]: invalid mount target, must be an absolute path: data'],
    ['volumes: ["./x:/y:ro:z"]', 'services.web.volumes[0]: invalid spec: ./x:/y:ro:z: too many colons'],
    ['scale: 2\n    deploy: { replicas: 3 }', "services.web.scale: can't set distinct values on 'scale' and 'deploy.replicas'"],
    ['mem_limit: lots', 'services.web.mem_limit: invalid size: "lots"'],
  ];
  for (const [yaml, want] of cases) {
    const e = await failure(`services:\n  db: { image: x }\n  web:\n    image: x\n    ${yaml}\n`);
    assert.equal(e.message, want.includes(' must be ') && !want.includes(':') ? `validating DIR/compose.yaml: ${want}` : `DIR/compose.yaml: ${want}`, yaml);
  }
});

test('errors in an override file name that file', async () => {
  const e = await failure('services:\n  web: { image: x }\n', { 'compose.override.yaml': 'services:\n  web:\n    ports: ["bad"]\n' });
  assert.equal(e.message, 'DIR/compose.override.yaml: services.web.ports[0]: invalid containerPort: bad');
  assert.equal(e.file?.replace(/.*\//, ''), 'compose.override.yaml');
});

test('a required env_file that is missing; an optional one is skipped', async () => {
  const e = await failure('services:\n  web: { image: x, env_file: [missing.env] }\n');
  assert.equal(e.message, 'DIR/compose.yaml: services.web.env_file: env file DIR/missing.env not found: no such file or directory');
  const f = fixture({ 'compose.yaml': 'services:\n  web: { image: x, env_file: [{ path: missing.env, required: false }, app.env], environment: [B=over] }\n', 'app.env': 'A=1\nB=2\n' });
  try {
    assert.deepEqual((await f.load()).services.web.environment, { A: '1', B: 'over' });
  } finally {
    f.remove();
  }
});

test('container_name with scale, and one name for two services', async () => {
  let e = await failure('services:\n  web: { image: x, container_name: w, scale: 2 }\n');
  assert.equal(e.message, "DIR/compose.yaml: services.web: can't set container_name and scale as container name must be unique");
  e = await failure('services:\n  web: { image: x, container_name: w, deploy: { replicas: 3 } }\n');
  assert.equal(e.message, "DIR/compose.yaml: services.web: can't set container_name and deploy.replicas as container name must be unique");
  e = await failure('services:\n  a: { image: x, container_name: same }\n  b: { image: x, container_name: same }\n');
  assert.equal(e.message, 'DIR/compose.yaml: services.b: container name "same" is already in use by service a');
});

test('distinct values for a key and its deploy.resources twin; two mounts on one target; network_mode service:x', async () => {
  let e = await failure('services:\n  web: { image: x, mem_limit: 1g, deploy: { resources: { limits: { memory: 2g } } } }\n');
  assert.equal(e.message, "DIR/compose.yaml: services.web.mem_limit: can't set distinct values on 'mem_limit' and 'deploy.resources.limits.memory'");
  e = await failure('services:\n  web: { image: x, cpus: 1, deploy: { resources: { limits: { cpus: "2" } } } }\n');
  assert.equal(e.message, "DIR/compose.yaml: services.web.cpus: can't set distinct values on 'cpus' and 'deploy.resources.limits.cpus'");
  e = await failure('services:\n  web: { image: x, tmpfs: ["/data:size=1m"], volumes: ["/data"] }\n');
  assert.equal(e.message, 'DIR/compose.yaml: services.web.volumes[0]: target /data already mounted as services.web.tmpfs[0]');
  e = await failure('services:\n  web: { image: x, network_mode: "service:vpn" }\n');
  assert.equal(e.message, "DIR/compose.yaml: services.web.network_mode: service \"vpn\" not found for network_mode 'service:vpn'");
  e = await failure('services:\n  web: { image: x, network_mode: host, networks: [a] }\nnetworks: { a: {} }\n');
  assert.equal(e.message, "DIR/compose.yaml: services.web.networks: 'network_mode' and 'networks' cannot be combined");
  e = await failure('services:\n  web: { image: x, scale: -1 }\n');
  assert.equal(e.message, 'DIR/compose.yaml: services.web.scale: must be greater than or equal to 0');
  e = await failure('services:\n  web: { image: x, healthcheck: { test: [curl, x] } }\n');
  assert.equal(e.message, 'DIR/compose.yaml: services.web.healthcheck.test: healthcheck.test must start either by "CMD", "CMD-SHELL" or "NONE"');
});

test('required properties of long forms; pull_policy values', async () => {
  let e = await failure('services:\n  db: { image: x }\n  web: { image: x, depends_on: { db: { required: false } } }\n');
  assert.equal(e.message, "validating DIR/compose.yaml: services.web.depends_on.db missing property 'condition'");
  e = await failure('services:\n  web: { image: x, volumes: [{ source: a, target: /a }] }\n');
  assert.equal(e.message, "validating DIR/compose.yaml: services.web.volumes[0] missing property 'type'");
  e = await failure('services:\n  web: { image: x, pull_policy: sometimes }\n');
  assert.equal(e.message, 'DIR/compose.yaml: services.web.pull_policy: invalid pull_policy "sometimes": must be always, never, missing, build or refresh');
  const f = fixture({ 'compose.yaml': 'services:\n  a: { image: x, pull_policy: if_not_present }\n  b: { image: x, pull_policy: refresh }\n  c: { image: x, pull_policy: daily }\n' });
  try {
    const p = await f.load();
    assert.deepEqual([p.services.a.pullPolicy, p.services.b.pullPolicy, p.services.c.pullPolicy], ['missing', 'always', 'missing']);
    assert.match(f.warnings.join(), /pull_policy daily is taken as missing/);
  } finally {
    f.remove();
  }
});

test('an external volume with a driver; unknown and unsupported top-level keys', async () => {
  let e = await failure('services:\n  web: { image: x }\nvolumes:\n  data: { external: true, driver: local }\n');
  assert.equal(e.message, 'validating DIR/compose.yaml: volumes.data: conflicting parameters "external" and "driver" specified');
  e = await failure('services:\n  web: { image: x }\nvolumes:\n  data: { drivr: local }\n');
  assert.equal(e.message, "validating DIR/compose.yaml: volumes.data additional properties 'drivr' not allowed (did you mean 'driver'?)");
  e = await failure('services:\n  web: { image: x }\nmodels: { m: { model: x } }\n');
  assert.equal(e.message, 'validating DIR/compose.yaml: models is not supported by skiff');
});
