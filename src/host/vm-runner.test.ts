// The runner's idle sleep ends as soon as a device reports finished work (Machine.onDeviceEvent).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Machine } from '../engine/machine.js';
import type { FinishEvent } from '../engine/devices/test-finisher.js';
import { runVm } from './vm-runner.js';

/** A machine whose harts are always idle, with a 10 s timer deadline. */
function idleMachine() {
  const calls: number[] = [];
  const fake = {
    finishEvent: undefined as FinishEvent | undefined,
    onDeviceEvent: undefined as (() => void) | undefined,
    run(): string {
      calls.push(performance.now());
      if (calls.length === 3) fake.finishEvent = { kind: 'pass', code: 0 };
      return 'idle';
    },
    idleMilliseconds: () => 10_000,
  };
  return { fake, calls };
}

test('an idle guest wakes at once when a device completes work', async () => {
  const { fake, calls } = idleMachine();
  const exit = runVm(fake as unknown as Machine, { onReset: () => {}, burst: 1000 });
  // The runner now sleeps (up to 50 ms per round); device events end each sleep early.
  for (let i = 0; i < 2; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    fake.onDeviceEvent?.();
  }
  assert.deepEqual(await exit, { exitCode: 0, reason: 'pass' });
  assert.equal(calls.length, 3);
  assert.ok(calls[2] - calls[0] < 40, `woke after ${(calls[2] - calls[0]).toFixed(1)} ms`);
  assert.equal(fake.onDeviceEvent, undefined, 'the hook is removed when the run ends');
});
