import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { DeviceTree, FdtError, readFdt } from './fdt.js';

function sampleTree(): DeviceTree {
  const tree = new DeviceTree();
  tree.addReservation(0x8000_0000, 0x20_0000);
  tree.root.setU32('#address-cells', 2).setU32('#size-cells', 2).setString('model', 'test');
  const intc = tree.root.addChild('intc');
  intc.setEmpty('interrupt-controller');
  const handle = tree.phandle(intc);
  assert.equal(tree.phandle(intc), handle, 'a node keeps its phandle');
  const dev = tree.root.addChild('dev@1000');
  dev.setU64('reg', 0x1000, 0x100n);
  dev.setStrings('compatible', ['vendor,dev', 'generic']);
  dev.setU32('interrupts-extended', handle, 7);
  dev.setBytes('blob', Uint8Array.of(1, 2, 3));
  dev.addChild('child').setString('model', 'nested'); // "model" again: one string in the block
  return tree;
}

test('the blob has a valid version 17 header, aligned blocks and deduplicated strings', () => {
  const blob = sampleTree().toBlob();
  const view = new DataView(blob.buffer);
  const header = (i: number) => view.getUint32(i * 4);
  assert.equal(header(0), 0xd00dfeed);
  assert.equal(header(1), blob.length, 'totalsize');
  assert.equal(header(5), 17, 'version');
  assert.equal(header(6), 16, 'last_comp_version');
  assert.equal(header(4) % 8, 0, 'reservation block 8-byte aligned');
  assert.equal(header(2) % 4, 0, 'structure block 4-byte aligned');
  assert.equal(header(2) + header(9), header(3), 'strings follow the structure block');
  const strings = new TextDecoder().decode(blob.subarray(header(3), header(3) + header(8)));
  const names = strings.split('\0').filter((s) => s !== '');
  assert.equal(names.filter((n) => n === 'model').length, 1, 'property names stored once');
  assert.equal(new Set(names).size, names.length);
});

test('round trip through the reader', () => {
  const parsed = readFdt(sampleTree().toBlob());
  assert.deepEqual(parsed.reservations, [{ address: 0x8000_0000n, size: 0x20_0000n }]);
  assert.equal(parsed.version, 17);
  const root = parsed.root;
  assert.equal(root.getString('model'), 'test');
  assert.equal(root.getU32('#address-cells'), 2);
  const intc = root.find('intc');
  const dev = root.find('/dev@1000');
  assert.ok(intc !== undefined && dev !== undefined);
  assert.equal(intc.has('interrupt-controller'), true);
  assert.equal(intc.getBytes('interrupt-controller')?.length, 0);
  assert.deepEqual(dev.getU64s('reg'), [0x1000n, 0x100n]);
  assert.deepEqual(dev.getStrings('compatible'), ['vendor,dev', 'generic']);
  assert.deepEqual(dev.getU32s('interrupts-extended'), [intc.getU32('phandle'), 7]);
  assert.deepEqual(Array.from(dev.getBytes('blob') ?? []), [1, 2, 3]);
  assert.equal(root.find('dev@1000/child')?.getString('model'), 'nested');
});

test('invalid names, values and blobs are refused with FdtError', () => {
  const tree = new DeviceTree();
  assert.throws(() => tree.root.addChild('bad name'), FdtError);
  assert.throws(() => tree.root.addChild('x'.repeat(32)), FdtError);
  tree.root.addChild('a');
  assert.throws(() => tree.root.addChild('a'), FdtError, 'duplicate sibling');
  assert.throws(() => tree.root.setU32('p', 2 ** 32), FdtError);
  assert.throws(() => tree.root.setU32('p', -1), FdtError);
  assert.throws(() => tree.root.setU64('p', -1), FdtError);
  assert.throws(() => tree.root.setString('p', 'a\0b'), FdtError);
  assert.throws(() => tree.root.setU32('bad prop', 1), FdtError);
  const blob = sampleTree().toBlob();
  assert.throws(() => readFdt(blob.subarray(0, 20)), FdtError);
  assert.throws(() => readFdt(blob.subarray(0, blob.length - 8)), FdtError);
  const corrupt = blob.slice();
  corrupt[0] = 0;
  assert.throws(() => readFdt(corrupt), FdtError);
});

test('the reader never throws anything but FdtError on corrupt blobs', () => {
  const blob = sampleTree().toBlob();
  let seed = 7;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed >>> 16;
  };
  for (let round = 0; round < 3000; round++) {
    const corrupt = blob.slice(0, round % 7 === 0 ? random() % blob.length : blob.length);
    for (let flips = 1 + (random() % 3); flips > 0 && corrupt.length > 0; flips--) {
      corrupt[random() % corrupt.length] = random() & 0xff;
    }
    try {
      readFdt(corrupt);
    } catch (e) {
      if (!(e instanceof FdtError)) throw e;
    }
  }
});

const dtc = spawnSync('dtc', ['--version'], { encoding: 'utf8' });

test(
  'dtc decodes the blob',
  { skip: dtc.status !== 0 ? 'dtc (device-tree-compiler) not installed' : false },
  () => {
    const result = spawnSync('dtc', ['-I', 'dtb', '-O', 'dts', '-'], {
      input: sampleTree().toBlob(),
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
    const dts = result.stdout;
    assert.match(dts, /\/memreserve\/\s+0x0*80000000 0x0*200000;/);
    assert.match(dts, /reg = <0x00 0x1000 0x00 0x100>;/);
    assert.match(dts, /compatible = "vendor,dev\\0generic";/);
    assert.match(dts, /interrupts-extended = <0x01 0x07>;/);
    assert.match(dts, /blob = \[01 02 03\];/);
    assert.match(dts, /child \{\s+model = "nested";/);
  },
);
