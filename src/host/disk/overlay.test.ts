// rvcow overlays: reads fall through to the base, writes allocate clusters, the base is never
// modified, data persists across reopen, map entries reach the file only after their data, a
// changed base is refused, chains and throw-away (snapshot) overlays work; and a randomized
// comparison against an in-memory model.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryBlockBackend } from '../../engine/block-backend.js';
import { OVERLAY_HEADER_SIZE, OverlayBackend, createOverlay, decodeHeader } from './overlay.js';
import { DiskError } from './raw-file.js';

const CLUSTER = 64 * 1024;
/** Four and a half clusters plus a sector: the last cluster is partial. */
const BASE_SIZE = 4 * CLUSTER + CLUSTER / 2 + 512;

function pattern(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + seed * 7 + (i >> 8)) & 0xff);
}

function sha(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rvisor-overlay-test-'));
  try {
    await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function readAll(disk: {
  size: number;
  read(o: number, into: Uint8Array): Promise<void>;
}): Promise<Uint8Array> {
  const all = new Uint8Array(disk.size);
  await disk.read(0, all);
  return all;
}

test('header: fields round-trip; relative base path stored as given', async () => {
  await withDir(async (dir) => {
    writeFileSync(join(dir, 'base.img'), pattern(BASE_SIZE, 1));
    await createOverlay(join(dir, 'vm.rvcow'), { basePath: 'base.img' });
    const bytes = readFileSync(join(dir, 'vm.rvcow'));
    assert.equal(bytes.subarray(0, 8).toString('latin1'), 'RVCOW\r\n\x1a');
    const header = decodeHeader(new Uint8Array(bytes.subarray(0, OVERLAY_HEADER_SIZE)), 'vm.rvcow');
    assert.equal(header.version, 1);
    assert.equal(header.clusterBits, 16);
    assert.equal(header.virtualSize, BASE_SIZE);
    assert.equal(header.mapEntries, 5);
    assert.equal(header.basePath, 'base.img');
    assert.equal(header.baseFormat, 'raw');
    assert.equal(header.baseSize, BASE_SIZE);
    await assert.rejects(createOverlay(join(dir, 'vm.rvcow'), { basePath: 'base.img' }), /already exists/);
  });
});

test('unwritten clusters read through to the base; writes allocate; the base never changes', async () => {
  await withDir(async (dir) => {
    const basePath = join(dir, 'base.img');
    const base = pattern(BASE_SIZE, 2);
    writeFileSync(basePath, base);
    const before = sha(basePath);
    await createOverlay(join(dir, 'vm.rvcow'), { basePath: 'base.img' });
    const disk = await OverlayBackend.open(join(dir, 'vm.rvcow'));
    assert.equal(disk.size, BASE_SIZE);
    assert.deepEqual(await readAll(disk), base);
    assert.equal(disk.allocatedClusters(), 0);

    // A write straddling clusters 0 and 1, and one into the partial last cluster.
    const model = base.slice();
    const a = pattern(2048, 9);
    await disk.write(CLUSTER - 1024, a);
    model.set(a, CLUSTER - 1024);
    const b = pattern(512, 10);
    await disk.write(BASE_SIZE - 512, b);
    model.set(b, BASE_SIZE - 512);
    assert.equal(disk.allocatedClusters(), 3);
    assert.deepEqual(await readAll(disk), model);
    // In-place rewrite of an allocated cluster allocates nothing new.
    await disk.write(CLUSTER, pattern(512, 11));
    model.set(pattern(512, 11), CLUSTER);
    assert.equal(disk.allocatedClusters(), 3);
    await disk.close();
    assert.equal(sha(basePath), before);

    // Reopen: everything is still there.
    const again = await OverlayBackend.open(join(dir, 'vm.rvcow'));
    assert.deepEqual(await readAll(again), model);
    assert.equal(again.allocatedClusters(), 3);
    await again.close();
    assert.equal(sha(basePath), before);
  });
});

test('discard and write-zeroes: whole clusters become zero entries, partial ones zero in place', async () => {
  await withDir(async (dir) => {
    writeFileSync(join(dir, 'base.img'), pattern(BASE_SIZE, 3));
    await createOverlay(join(dir, 'vm.rvcow'), { basePath: 'base.img' });
    const disk = await OverlayBackend.open(join(dir, 'vm.rvcow'));
    const model = pattern(BASE_SIZE, 3);
    await disk.discard(CLUSTER, 2 * CLUSTER); // clusters 1 and 2, unallocated: no data written
    model.fill(0, CLUSTER, 3 * CLUSTER);
    assert.equal(disk.allocatedClusters(), 0);
    await disk.writeZeroes(100 * 512, 512); // partial cluster 0: copy-on-write with zeros
    model.fill(0, 100 * 512, 101 * 512);
    assert.equal(disk.allocatedClusters(), 1);
    await disk.writeZeroes(0, CLUSTER); // allocated: zeroed in place
    model.fill(0, 0, CLUSTER);
    assert.equal(disk.allocatedClusters(), 1);
    await disk.writeZeroes(4 * CLUSTER, BASE_SIZE - 4 * CLUSTER); // the whole partial last cluster
    model.fill(0, 4 * CLUSTER);
    assert.deepEqual(await readAll(disk), model);
    await disk.close();
    const again = await OverlayBackend.open(join(dir, 'vm.rvcow'), { readOnly: true });
    assert.deepEqual(await readAll(again), model);
    await again.close();
  });
});

test('crash consistency: map entries reach the file only after the data, at flush', async () => {
  await withDir(async (dir) => {
    writeFileSync(join(dir, 'base.img'), pattern(BASE_SIZE, 4));
    await createOverlay(join(dir, 'vm.rvcow'), { basePath: 'base.img' });
    const writer = await OverlayBackend.open(join(dir, 'vm.rvcow'));
    await writer.write(0, pattern(4096, 5));
    // A reader now (as after a crash) sees the map without the new entry: the base's data.
    const crashed = await OverlayBackend.open(join(dir, 'vm.rvcow'), { readOnly: true });
    const head = new Uint8Array(4096);
    await crashed.read(0, head);
    assert.deepEqual(head, pattern(BASE_SIZE, 4).subarray(0, 4096));
    await crashed.close();
    await writer.flush();
    const flushed = await OverlayBackend.open(join(dir, 'vm.rvcow'), { readOnly: true });
    await flushed.read(0, head);
    assert.deepEqual(head, pattern(4096, 5));
    await flushed.close();
    await writer.close();
  });
});

test('a changed or missing base is refused with a clear error', async () => {
  await withDir(async (dir) => {
    writeFileSync(join(dir, 'base.img'), pattern(BASE_SIZE, 6));
    await createOverlay(join(dir, 'vm.rvcow'), { basePath: 'base.img' });
    writeFileSync(join(dir, 'base.img'), pattern(BASE_SIZE, 7));
    await assert.rejects(OverlayBackend.open(join(dir, 'vm.rvcow')), /changed since the overlay was created/);
    writeFileSync(join(dir, 'base.img'), pattern(BASE_SIZE + 512, 6));
    await assert.rejects(OverlayBackend.open(join(dir, 'vm.rvcow')), /changed size/);
    rmSync(join(dir, 'base.img'));
    await assert.rejects(OverlayBackend.open(join(dir, 'vm.rvcow')), /no such file/);
    writeFileSync(join(dir, 'junk.rvcow'), new Uint8Array(8192));
    await assert.rejects(OverlayBackend.open(join(dir, 'junk.rvcow')), (err: unknown) => {
      assert.ok(err instanceof DiskError);
      assert.match(err.message, /not a valid rvcow overlay: bad magic/);
      return true;
    });
  });
});

test('read-only overlays refuse writes', async () => {
  await withDir(async (dir) => {
    writeFileSync(join(dir, 'base.img'), pattern(BASE_SIZE, 8));
    await createOverlay(join(dir, 'vm.rvcow'), { basePath: 'base.img' });
    const disk = await OverlayBackend.open(join(dir, 'vm.rvcow'), { readOnly: true });
    await assert.rejects(disk.write(0, new Uint8Array(512)), /read-only/);
    await disk.close();
  });
});

test('an overlay over an overlay', async () => {
  await withDir(async (dir) => {
    writeFileSync(join(dir, 'base.img'), pattern(BASE_SIZE, 12));
    await createOverlay(join(dir, 'mid.rvcow'), { basePath: 'base.img' });
    const mid = await OverlayBackend.open(join(dir, 'mid.rvcow'));
    await mid.write(0, pattern(512, 13));
    await mid.close();
    await createOverlay(join(dir, 'top.rvcow'), { basePath: 'mid.rvcow', baseFormat: 'rvcow' });
    const top = await OverlayBackend.open(join(dir, 'top.rvcow'));
    await top.write(512, pattern(512, 14));
    const model = pattern(BASE_SIZE, 12);
    model.set(pattern(512, 13), 0);
    model.set(pattern(512, 14), 512);
    assert.deepEqual(await readAll(top), model);
    await top.close();
  });
});

test('a temporary overlay (snapshot=on) takes writes, leaves the base byte-identical and no file', async () => {
  await withDir(async (dir) => {
    const basePath = join(dir, 'base.img');
    writeFileSync(basePath, pattern(BASE_SIZE, 15));
    const before = sha(basePath);
    const scratch = mkdtempSync(join(dir, 'scratch-'));
    const disk = await OverlayBackend.temporary(basePath, 'raw', scratch);
    assert.deepEqual(readdirSync(scratch), [], 'the overlay file is unlinked while open');
    await disk.write(0, pattern(CLUSTER * 2, 16));
    const head = new Uint8Array(CLUSTER * 2);
    await disk.read(0, head);
    assert.deepEqual(head, pattern(CLUSTER * 2, 16));
    await disk.close();
    assert.equal(sha(basePath), before);
    assert.deepEqual(readdirSync(scratch), []);
  });
});

test('concurrent writes to one unallocated cluster are applied in submission order', async () => {
  await withDir(async (dir) => {
    writeFileSync(join(dir, 'base.img'), pattern(BASE_SIZE, 17));
    await createOverlay(join(dir, 'vm.rvcow'), { basePath: 'base.img' });
    const disk = await OverlayBackend.open(join(dir, 'vm.rvcow'));
    const model = pattern(BASE_SIZE, 17);
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      const data = pattern(1024, 100 + i);
      const offset = 512 * (i % 7);
      writes.push(disk.write(offset, data));
      model.set(data, offset);
    }
    await Promise.all(writes);
    assert.equal(disk.allocatedClusters(), 1);
    assert.deepEqual(await readAll(disk), model);
    await disk.close();
  });
});

test('random operations match an in-memory model, across flushes and reopens', async () => {
  await withDir(async (dir) => {
    const size = 16 * CLUSTER;
    writeFileSync(join(dir, 'base.img'), pattern(size, 18));
    await createOverlay(join(dir, 'vm.rvcow'), { basePath: 'base.img' });
    const model = new MemoryBlockBackend(size);
    model.bytes.set(pattern(size, 18));
    let disk = await OverlayBackend.open(join(dir, 'vm.rvcow'));
    let seed = 12345;
    const random = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let step = 0; step < 400; step++) {
      const sector = random(size / 512);
      const sectors = 1 + random(Math.min(300, size / 512 - sector));
      const op = random(10);
      if (op < 5) {
        const data = pattern(sectors * 512, step);
        await disk.write(sector * 512, data);
        await model.write(sector * 512, data);
      } else if (op < 7) {
        await disk.writeZeroes(sector * 512, sectors * 512);
        await model.writeZeroes(sector * 512, sectors * 512);
      } else if (op < 8) {
        await disk.discard(sector * 512, sectors * 512);
        await model.discard(sector * 512, sectors * 512);
      } else if (op < 9) {
        const got = new Uint8Array(sectors * 512);
        await disk.read(sector * 512, got);
        assert.deepEqual(got, model.bytes.subarray(sector * 512, (sector + sectors) * 512), `step ${step}`);
      } else {
        await disk.close();
        disk = await OverlayBackend.open(join(dir, 'vm.rvcow'));
      }
    }
    assert.deepEqual(await readAll(disk), model.bytes);
    await disk.close();
    assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'base.img'))), pattern(size, 18));
  });
});
