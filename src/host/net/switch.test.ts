// The virtual switch (learning, flooding) and its unix-socket hub with two connected backends.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualSwitch, type SwitchPort } from './switch.js';
import { FrameDecoder, SwitchClientBackend, SwitchHub, encodeFrame } from './switch-hub.js';

function frame(dst: number[], src: number[], body = 0): Uint8Array {
  return Uint8Array.from([...dst, ...src, 0x08, 0x00, body]);
}

const MAC_A = [0x52, 0x54, 0, 0, 0, 0xa];
const MAC_B = [0x52, 0x54, 0, 0, 0, 0xb];
const BCAST = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

test('switch: floods unknown and broadcast destinations, then forwards to the learnt port only', () => {
  const sw = new VirtualSwitch();
  const got: Record<string, Uint8Array[]> = { a: [], b: [], c: [] };
  const ports: Record<string, SwitchPort> = {};
  for (const name of ['a', 'b', 'c']) {
    ports[name] = { deliver: (f) => got[name].push(f) };
    sw.attach(ports[name]);
  }
  sw.input(ports.a, frame(BCAST, MAC_A));
  assert.deepEqual([got.a.length, got.b.length, got.c.length], [0, 1, 1]);
  sw.input(ports.b, frame(MAC_A, MAC_B)); // A is known: only port a
  assert.deepEqual([got.a.length, got.b.length, got.c.length], [1, 1, 1]);
  sw.input(ports.a, frame(MAC_B, MAC_A)); // B learnt from the previous frame
  assert.deepEqual([got.a.length, got.b.length, got.c.length], [1, 2, 1]);
  sw.input(ports.a, new Uint8Array(3)); // runt
  assert.equal(sw.stats.dropped, 1);
  sw.detach(ports.b);
  sw.input(ports.a, frame(MAC_B, MAC_A)); // B forgotten: flooded to c only
  assert.deepEqual([got.a.length, got.b.length, got.c.length], [1, 2, 2]);
});

test('frame decoder splits a stream at any chunk boundary and rejects absurd lengths', () => {
  const stream = Buffer.concat([
    encodeFrame(Uint8Array.of(1, 2, 3)),
    encodeFrame(new Uint8Array(0)),
    encodeFrame(Uint8Array.of(9)),
  ]);
  const decoder = new FrameDecoder();
  const frames: Uint8Array[] = [];
  for (const byte of stream) frames.push(...decoder.push(Uint8Array.of(byte))!);
  assert.deepEqual(
    frames.map((f) => [...f]),
    [[1, 2, 3], [], [9]],
  );
  assert.equal(new FrameDecoder().push(Uint8Array.of(0xff, 0xff, 0xff, 0xff)), undefined);
});

test('hub on a unix socket: two VMs exchange frames through it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvisor-switch-'));
  const path = join(dir, 'sw.sock');
  const hub = await SwitchHub.start({ socketPath: path });
  try {
    const a = await SwitchClientBackend.connect(path);
    const b = await SwitchClientBackend.connect(path);
    const gotA: Uint8Array[] = [];
    const gotB: Uint8Array[] = [];
    a.onReceive = (f) => gotA.push(f);
    b.onReceive = (f) => gotB.push(f);
    await new Promise((resolve) => setTimeout(resolve, 50)); // both ports attached
    a.send(frame(BCAST, MAC_A, 1));
    b.send(frame(MAC_A, MAC_B, 2));
    const deadline = Date.now() + 5000;
    while ((gotA.length < 1 || gotB.length < 1) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual([...gotB[0]], [...frame(BCAST, MAC_A, 1)]);
    assert.deepEqual([...gotA[0]], [...frame(MAC_A, MAC_B, 2)]);
    a.close();
    b.close();
    await assert.rejects(SwitchHub.start({ socketPath: path }), /already listens/);
  } finally {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
