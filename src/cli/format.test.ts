import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ago, binarySize, decimalSize, ellipsis, formatRows, tabulate } from './format.ts';
import { psRow } from './commands/ps.ts';
import { cpuPercent, memoryUsage, statsRow } from './commands/stats.ts';

test('tabulate pads like Go tabwriter (minwidth 10, padding 3), counting characters', () => {
  const out = tabulate([
    ['CONTAINER ID', 'IMAGE', 'COMMAND', 'NAMES'],
    ['906650182f6a', 'busybox', '"echo \'a very long c…"', 'cr'],
  ]);
  assert.equal(out, 'CONTAINER ID   IMAGE     COMMAND                  NAMES\n906650182f6a   busybox   "echo \'a very long c…"   cr\n');
});

test('sizes as docker prints them', () => {
  assert.equal(decimalSize(1990000), '1.99MB');
  assert.equal(decimalSize(516), '516B');
  assert.equal(decimalSize(1010), '1.01kB');
  assert.equal(decimalSize(0), '0B');
  assert.equal(binarySize(588 * 1024), '588KiB');
  assert.equal(binarySize(23.54 * 1024 ** 3), '23.54GiB');
});

test('ellipsis and ago', () => {
  assert.equal(ellipsis("echo 'a very long command line here'", 20), "echo 'a very long c…");
  assert.equal(ellipsis('short', 20), 'short');
  assert.equal(ago(100, 105_000), '5 seconds ago');
});

test('ps rows: docker columns and truncation', () => {
  const row = psRow(
    { Id: 'a'.repeat(64), Names: ['/web'], Image: 'busybox', Command: "sh -c 'exit 3'", Created: 100, State: 'exited', Status: 'Exited (3) 2 minutes ago', Labels: { k: 'v' } },
    true,
    103_000,
  );
  assert.equal(row.ID, 'aaaaaaaaaaaa');
  assert.equal(row.Command, `"sh -c 'exit 3'"`);
  assert.equal(row.RunningFor, '3 seconds ago');
  assert.equal(row.Names, 'web');
  const out = formatRows([row], 'table {{.ID}}\\t{{.Names}}\\t{{.Label "k"}}', { ID: 'CONTAINER ID', Names: 'NAMES' });
  assert.equal(out, 'CONTAINER ID   NAMES     LABEL\naaaaaaaaaaaa   web       v\n');
  assert.equal(formatRows([row], '{{.Names}}:{{.Status}}', {}), 'web:Exited (3) 2 minutes ago\n');
  // docker's --format json: keys sorted, HTML characters escaped as Go's json.Marshal does
  assert.match(formatRows([row], 'json', {}), /^\{"Command":"\\"sh -c 'exit 3'\\"","CreatedAt":/);
  assert.equal(formatRows([{ Ports: '0.0.0.0:80->80/tcp', ID: 'x' }], 'json', {}), '{"ID":"x","Ports":"0.0.0.0:80-\\u003e80/tcp"}\n');
});

test('stats: docker CPU % and memory without cache', () => {
  const s = {
    id: 'b'.repeat(64),
    name: '/web',
    cpu_stats: { cpu_usage: { total_usage: 3_000_000 }, system_cpu_usage: 20_000_000, online_cpus: 2 },
    precpu_stats: { cpu_usage: { total_usage: 1_000_000 }, system_cpu_usage: 10_000_000 },
    memory_stats: { usage: 10 * 1024 * 1024, limit: 100 * 1024 * 1024, stats: { total_inactive_file: 2 * 1024 * 1024 } },
    networks: { eth0: { rx_bytes: 516, tx_bytes: 0 } },
    blkio_stats: { io_service_bytes_recursive: [{ op: 'Read', value: 4096 }, { op: 'Write', value: 1000 }] },
    pids_stats: { current: 3 },
  };
  assert.equal(cpuPercent(s), 40);
  assert.equal(memoryUsage(s), 8 * 1024 * 1024);
  assert.deepEqual(statsRow(s), ['bbbbbbbbbbbb', 'web', '40.00%', '8MiB / 100MiB', '8.00%', '516B / 0B', '4.1kB / 1kB', '3']);
});
