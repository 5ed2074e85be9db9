// virtio-console: guest output through the transmit queue, host input into the receive queue with
// back-pressure, the emergency write register.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MMIO_CONFIG, MMIO_DEVICE_ID } from './mmio.js';
import { VIRTIO_ID_CONSOLE } from './device.js';
import { CONSOLE_RECEIVE_QUEUE, CONSOLE_TRANSMIT_QUEUE, VirtioConsoleDevice } from './console.js';
import { TestDriver, ramWithGuard } from './test-support.js';

function setup(): { d: TestDriver; device: VirtioConsoleDevice; output: number[]; logs: string[] } {
  const output: number[] = [];
  const logs: string[] = [];
  const { ram } = ramWithGuard(1 << 20);
  const device = new VirtioConsoleDevice({
    output: (bytes) => output.push(...bytes),
    log: (m) => logs.push(m),
  });
  return { d: new TestDriver(ram, device), device, output, logs };
}

const text = (s: string) => new TextEncoder().encode(s);

test('transmit queue: readable buffers go to the output callback, in order', () => {
  const { d, output } = setup();
  assert.equal(d.read(MMIO_DEVICE_ID), VIRTIO_ID_CONSOLE);
  d.start(8);
  const a = d.alloc(6);
  const b = d.alloc(6);
  d.fill(a, text('hello '));
  d.fill(b, text('world!'));
  d.addChain(CONSOLE_TRANSMIT_QUEUE, [
    { address: a, length: 6, writable: false },
    { address: b, length: 6, writable: false },
  ]);
  d.addChain(CONSOLE_TRANSMIT_QUEUE, [{ address: b, length: 5, writable: false }]);
  d.kick(CONSOLE_TRANSMIT_QUEUE);
  assert.equal(new TextDecoder().decode(Uint8Array.from(output)), 'hello world!world');
  assert.deepEqual(
    d.takeUsed(CONSOLE_TRANSMIT_QUEUE).map((u) => u.length),
    [0, 0],
  );
  assert.equal(d.ack(), 1);
});

test('receive: input fills posted buffers; what does not fit is refused until more are posted', () => {
  const { d, device } = setup();
  let ready = 0;
  device.onReceiveReady = () => ready++;
  assert.equal(device.receive(text('early')), 0, 'nothing is taken before DRIVER_OK');
  d.start(8);
  assert.equal(ready, 1, 'DRIVER_OK tells the host to retry');
  assert.equal(device.receive(text('x')), 0, 'no buffer posted yet');
  const a = d.alloc(4);
  const b = d.alloc(4);
  d.addChain(CONSOLE_RECEIVE_QUEUE, [{ address: a, length: 4, writable: true }]);
  d.addChain(CONSOLE_RECEIVE_QUEUE, [{ address: b, length: 4, writable: true }]);
  d.kick(CONSOLE_RECEIVE_QUEUE);
  assert.equal(ready, 2);
  const events = d.events;
  assert.equal(device.receive(text('abcdefghij')), 8);
  assert.ok(d.events > events, 'host input wakes the runner');
  assert.equal(new TextDecoder().decode(d.bytes(a, 4)), 'abcd');
  assert.equal(new TextDecoder().decode(d.bytes(b, 4)), 'efgh');
  assert.deepEqual(
    d.takeUsed(CONSOLE_RECEIVE_QUEUE).map((u) => u.length),
    [4, 4],
  );
  assert.equal(d.ack(), 1);
  assert.equal(device.receive([0x69, 0x6a]), 0);
  d.addChain(CONSOLE_RECEIVE_QUEUE, [{ address: a, length: 4, writable: true }]);
  d.kick(CONSOLE_RECEIVE_QUEUE);
  assert.equal(device.receive([0x69, 0x6a]), 2);
  assert.deepEqual(d.takeUsed(CONSOLE_RECEIVE_QUEUE), [{ id: 2, length: 2 }]);
});

test('a device-readable receive buffer takes nothing and is logged once', () => {
  const { d, device, logs } = setup();
  d.start(8);
  const a = d.alloc(4);
  d.addChain(CONSOLE_RECEIVE_QUEUE, [{ address: a, length: 4, writable: false }]);
  d.addChain(CONSOLE_RECEIVE_QUEUE, [{ address: a, length: 4, writable: false }]);
  assert.equal(device.receive(text('zz')), 0);
  assert.deepEqual(
    d.takeUsed(CONSOLE_RECEIVE_QUEUE).map((u) => u.length),
    [0, 0],
  );
  assert.equal(logs.length, 1);
});

test('a broken receive ring sets DEVICE_NEEDS_RESET; receive never throws', () => {
  const { d, device } = setup();
  d.start(8);
  d.publish(CONSOLE_RECEIVE_QUEUE, 100);
  assert.equal(device.receive(text('boom')), 0);
  assert.ok(d.status() & 0x40);
});

test('emerg_wr writes one character', () => {
  const { d, output } = setup();
  d.transport.write(MMIO_CONFIG + 8, 0x41, 4);
  assert.deepEqual(output, [0x41]);
  assert.equal(d.read(MMIO_CONFIG + 4), 0, 'max_nr_ports is 0 without MULTIPORT');
});
