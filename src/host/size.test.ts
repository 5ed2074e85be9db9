import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSize } from './size.js';

test('sizes use binary units and bare numbers mean MiB', () => {
  assert.equal(parseSize('128M'), 128 * 1024 * 1024);
  assert.equal(parseSize('1G'), 1024 ** 3);
  assert.equal(parseSize('64k'), 65536);
  assert.equal(parseSize('512'), 512 * 1024 * 1024);
  assert.equal(parseSize('2GiB'), 2 * 1024 ** 3);
});

test('malformed sizes are refused with a clear message', () => {
  assert.throws(() => parseSize('lots'), /invalid size 'lots'/);
  assert.throws(() => parseSize('-1M'), /invalid size/);
  assert.throws(() => parseSize('0'), /invalid size/);
});
