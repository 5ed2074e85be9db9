import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestFinisher, type FinishEvent } from './test-finisher.js';

test('pass, fail with code, reset; other values ignored; reads return 0', () => {
  const events: FinishEvent[] = [];
  const finisher = new TestFinisher((e) => events.push(e));
  finisher.write(0, 0x5555, 4);
  finisher.write(0, (42 << 16) | 0x3333, 4);
  finisher.write(0, 0xffff_3333, 4);
  finisher.write(0, 0x7777, 4);
  finisher.write(0, 0x1234, 4);
  finisher.write(4, 0x5555, 4);
  finisher.write(0, 0x55, 1);
  assert.deepEqual(events, [
    { kind: 'pass', code: 0 },
    { kind: 'fail', code: 42 },
    { kind: 'fail', code: 0xffff },
    { kind: 'reset', code: 0 },
  ]);
  assert.equal(finisher.read(0, 4), 0);
  assert.deepEqual(JSON.parse(JSON.stringify(finisher.save())), {});
});
