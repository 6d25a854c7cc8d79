import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQuantity, cpuMillis, memoryBytes, isValidQuantity, compareQuantity, formatMemory, formatCpu } from './quantity.ts';

test('parseQuantity reads decimal, binary and exponent suffixes', () => {
  assert.equal(parseQuantity('500m'), 0.5);
  assert.equal(parseQuantity('1Ki'), 1024);
  assert.equal(parseQuantity('1.5Gi'), 1.5 * 2 ** 30);
  assert.equal(parseQuantity('2k'), 2000);
  assert.equal(parseQuantity('1E'), 1e18);
  assert.equal(parseQuantity('1e3'), 1000);
  assert.equal(parseQuantity('12E-1'), 1.2);
  assert.equal(parseQuantity('100n'), 1e-7);
  assert.equal(parseQuantity(3), 3);
  assert.equal(parseQuantity('.5'), 0.5);
});

test('cpuMillis is exact and rounds up', () => {
  assert.equal(cpuMillis('0.1'), 100);
  assert.equal(cpuMillis('250m'), 250);
  assert.equal(cpuMillis('1'), 1000);
  assert.equal(cpuMillis('1u'), 1);
  assert.equal(cpuMillis(0.3), 300);
});

test('memoryBytes rounds up to whole bytes', () => {
  assert.equal(memoryBytes('128Mi'), 134217728);
  assert.equal(memoryBytes('1G'), 1e9);
  assert.equal(memoryBytes('1500m'), 2);
});

test('bad syntax throws with the apimachinery message', () => {
  for (const bad of ['', 'abc', '1 Gi', '1gi', '1KiB', '--1', '1.2.3']) {
    assert.equal(isValidQuantity(bad), false, bad);
    assert.throws(() => parseQuantity(bad), /quantities must match the regular expression/);
  }
});

test('compare and format', () => {
  assert.equal(compareQuantity('1', '1000m'), 0);
  assert.equal(compareQuantity('1Gi', '1G') > 0, true);
  assert.equal(formatMemory(134217728), '128Mi');
  assert.equal(formatCpu(250), '250m');
  assert.equal(formatCpu(2000), '2');
});
