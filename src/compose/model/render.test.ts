import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import YAML from 'yaml';
import { fixture } from './fixture.test-support.ts';
import { renderConfig, serviceConfigForHash, formatDuration } from './render.ts';
import type { Project } from '../types.ts';

const full = `
name: shop
services:
  web:
    build:
      context: ./web
      dockerfile: Dockerfile.dev
      args: [VERSION=1, "PRICE=$$5"]
      target: prod
    command: sh -c 'echo "$$HOME"'
    entrypoint: ["/init"]
    environment: { A: "1", DOLLAR: "a$$b" }
    env_file: app.env
    ports: ["8080:80", "127.0.0.1::81/udp", { target: 82, published: "9000-9001", host_ip: "::1" }]
    expose: [3000, "4000-4001/udp"]
    volumes: ["./static:/static:ro", "data:/data:nocopy", "/anon", { type: tmpfs, target: /tmp, tmpfs: { size: 64m } }, "~/conf:/conf:rshared"]
    networks: { front: { aliases: [www], ipv4_address: 10.5.0.9 }, back: null }
    depends_on: { db: { condition: service_healthy, restart: true } }
    healthcheck: { test: curl -f localhost, interval: 1m30s, timeout: 500ms, retries: 3, start_period: 1h2m }
    restart: on-failure:3
    labels: [a=b, empty]
    working_dir: /app
    user: "1000:1000"
    hostname: web1
    domainname: example.org
    deploy: { replicas: 2, resources: { limits: { cpus: "1.5", memory: 256m, pids: 100 }, reservations: { memory: 64m } } }
    profiles: [front]
    stop_grace_period: 1m
    stop_signal: SIGINT
    init: true
    tty: true
    stdin_open: true
    read_only: true
    cap_add: [NET_ADMIN]
    cap_drop: [ALL]
    extra_hosts: ["db.local:10.0.0.2", "v6:::1"]
    dns: 1.1.1.1
    dns_search: [example.org]
    tmpfs: /run
    ulimits: { nofile: { soft: 1024, hard: 2048 }, nproc: 512 }
    sysctls: { net.core.somaxconn: 1024 }
    shm_size: 1g
    logging: { driver: json-file, options: { max-size: 10m } }
    pull_policy: build
  db:
    image: postgres:16
    network_mode: "service:net"
    healthcheck: { disable: true }
  net:
    image: busybox
    networks: [back]
    secrets: [pw]
    configs: [{ source: conf, target: /etc/c.conf }]
secrets:
  pw: { file: ./pw.txt }
configs:
  conf: { file: ./c.conf }
networks:
  front: { driver: bridge, ipam: { config: [{ subnet: 10.5.0.0/24 }] } }
  back: { external: true, name: shared-back }
volumes:
  data: { driver_opts: { type: tmpfs, device: tmpfs } }
`;

async function roundTrip(format: 'yaml' | 'json'): Promise<void> {
  const f = fixture({ 'compose.yaml': full, 'app.env': 'FROM_FILE=1\n' });
  try {
    const env = { HOME: '/home/u' };
    const first = await f.load({ env, profiles: ['front'] });
    const text = renderConfig(first, { format });
    const again = await f.load({ env, profiles: ['front'], files: ['-'], projectDirectory: f.dir, stdin: Readable.from([text]) });
    const strip = (p: Project) => ({ ...p, configFiles: [], environment: {} });
    assert.deepEqual(strip(again), strip(first));
    assert.equal(renderConfig(again, { format }), text);
  } finally {
    f.remove();
  }
}

test('renderConfig: the output loads again to the same Project (yaml and json)', async () => {
  await roundTrip('yaml');
  await roundTrip('json');
});

test('renderConfig: canonical long form as docker compose config prints it', async () => {
  const f = fixture({ 'compose.yaml': full, 'app.env': 'FROM_FILE=1\n' });
  try {
    const p = await f.load({ profiles: ['front'] });
    const doc = YAML.parse(renderConfig(p));
    assert.deepEqual(Object.keys(doc), ['name', 'services', 'networks', 'volumes']);
    assert.deepEqual(Object.keys(doc.services), ['db', 'net', 'web']);
    const web = doc.services.web;
    assert.deepEqual(Object.keys(web), [...Object.keys(web)].sort());
    assert.deepEqual(web.ports[0], { mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' });
    assert.deepEqual(web.ports[1], { mode: 'ingress', host_ip: '127.0.0.1', target: 81, protocol: 'udp' });
    assert.deepEqual(web.volumes[0], { type: 'bind', source: `${f.dir}/static`, target: '/static', read_only: true, bind: { create_host_path: true } });
    assert.deepEqual(web.volumes[1], { type: 'volume', source: 'data', target: '/data', volume: { nocopy: true } });
    assert.deepEqual(web.volumes[4].source, '/home/u/conf');
    assert.deepEqual(web.environment, { A: '1', DOLLAR: 'a$$b', FROM_FILE: '1' });
    assert.deepEqual(web.command, ['sh', '-c', 'echo "$$HOME"']);
    assert.deepEqual(web.healthcheck, { test: ['CMD-SHELL', 'curl -f localhost'], interval: '1m30s', timeout: '500ms', retries: 3, start_period: '1h2m0s' });
    assert.equal(web.scale, 2);
    assert.equal(web.stop_grace_period, '60s');
    assert.deepEqual(web.networks, { back: null, front: { aliases: ['www'], ipv4_address: '10.5.0.9' } });
    assert.deepEqual(doc.services.db.depends_on, { net: { condition: 'service_started', required: true, restart: false } });
    assert.deepEqual(doc.services.db.healthcheck, { test: ['NONE'] });
    assert.deepEqual(doc.networks, { back: { name: 'shared-back', external: true }, front: { name: 'shop_front', driver: 'bridge', ipam: { config: [{ subnet: '10.5.0.0/24' }] } } });
    assert.deepEqual(doc.volumes, { data: { name: 'shop_data', driver_opts: { type: 'tmpfs', device: 'tmpfs' } } });
    assert.deepEqual(p.services.web.resources, {
      memory: 256 * 1024 ** 2, memoryReservation: 64 * 1024 ** 2, memorySwap: undefined, nanoCpus: 1.5e9, cpuShares: undefined, pidsLimit: 100,
      shmSize: 1024 ** 3, ulimits: [{ name: 'nofile', soft: 1024, hard: 2048 }, { name: 'nproc', soft: 512, hard: 512 }], sysctls: { 'net.core.somaxconn': '1024' },
    });
    assert.deepEqual(p.services.web.extraHosts, ['db.local:10.0.0.2', 'v6:::1']);
    assert.deepEqual(p.services.web.expose, ['3000/tcp', '4000/udp', '4001/udp']);
    assert.deepEqual(p.services.web.build?.args, { VERSION: '1', PRICE: '$5' });
  } finally {
    f.remove();
  }
});

test('serviceConfigForHash: scale and replicas, depends_on, profiles, build do not count; short vs long syntax hash alike', async () => {
  const load = async (svc: string) => {
    const f = fixture({ 'compose.yaml': `services:\n  db: { image: d }\n  web:\n${svc}` });
    try {
      return JSON.stringify(serviceConfigForHash((await f.load({ profiles: ['*'] })).services.web));
    } finally {
      f.remove();
    }
  };
  const base = await load('    image: w\n    ports: ["8080:80"]\n');
  assert.equal(await load('    image: w\n    ports: [{ target: 80, published: 8080 }]\n    scale: 3\n'), base);
  assert.equal(await load('    image: w\n    ports: ["8080:80"]\n    deploy: { replicas: 2 }\n    depends_on: [db]\n    profiles: [x]\n'), base);
  assert.notEqual(await load('    image: w\n    ports: ["8081:80"]\n'), base);
  assert.notEqual(await load('    image: w\n    ports: ["8080:80"]\n    environment: [A=1]\n'), base);
});

test('formatDuration: Go duration strings', () => {
  assert.deepEqual([0, 5, 1500, 2e6, 1.5e9, 90e9, 3600e9, 3723.5e9].map(formatDuration), ['0s', '5ns', '1.5µs', '2ms', '1.5s', '1m30s', '1h0m0s', '1h2m3.5s']);
});
