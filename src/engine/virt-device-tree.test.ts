import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFdt, type FdtNode } from './fdt.js';
import { regionNodeName, UART0_BASE, VIRT_MEMORY_MAP } from './memmap.js';
import { buildVirtDeviceTree, type VirtDeviceTreeConfig } from './virt-device-tree.js';

const config: VirtDeviceTreeConfig = {
  harts: 2,
  memoryBytes: 0x1_0000_0000, // 4 GiB: the size needs both cells
  isa: 'rv64imafdc_zicsr_zifencei_zicbom_zicboz',
  isaExtensions: ['i', 'm', 'a', 'f', 'd', 'c', 'zicsr', 'zifencei', 'zicbom', 'zicboz'],
  mmuType: 'riscv,sv57',
  timebaseFrequency: 10_000_000,
  bootargs: 'console=ttyS0 earlycon',
  initrd: { start: 0x8800_0000, end: 0x8810_0000 },
  rngSeed: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8),
};

function node(root: FdtNode, path: string): FdtNode {
  const found = root.find(path);
  assert.ok(found !== undefined, `missing ${path}`);
  return found;
}

test('cpus: one node per hart with ISA, MMU and a local interrupt controller', () => {
  const { root } = readFdt(buildVirtDeviceTree(config));
  const cpus = node(root, '/cpus');
  assert.equal(cpus.getU32('timebase-frequency'), 10_000_000);
  assert.equal(cpus.getU32('#address-cells'), 1);
  assert.equal(cpus.getU32('#size-cells'), 0);
  for (const hart of [0, 1]) {
    const cpu = node(cpus, `cpu@${hart}`);
    assert.equal(cpu.getU32('reg'), hart);
    assert.equal(cpu.getString('device_type'), 'cpu');
    assert.equal(cpu.getString('status'), 'okay');
    assert.equal(cpu.getString('compatible'), 'riscv');
    assert.equal(cpu.getString('riscv,isa'), config.isa);
    assert.equal(cpu.getString('riscv,isa-base'), 'rv64i');
    assert.deepEqual(cpu.getStrings('riscv,isa-extensions'), config.isaExtensions);
    assert.equal(cpu.getString('mmu-type'), 'riscv,sv57');
    assert.equal(cpu.getU32('riscv,cbom-block-size'), 64);
    assert.equal(cpu.getU32('riscv,cboz-block-size'), 64);
    const intc = node(cpu, 'interrupt-controller');
    assert.equal(intc.getString('compatible'), 'riscv,cpu-intc');
    assert.equal(intc.getU32('#interrupt-cells'), 1);
    assert.equal(intc.has('interrupt-controller'), true);
    assert.ok((intc.getU32('phandle') ?? 0) > 0);
  }
  const noCbo = readFdt(buildVirtDeviceTree({ ...config, isaExtensions: ['i', 'm'] })).root;
  assert.equal(node(noCbo, '/cpus/cpu@0').has('riscv,cbom-block-size'), false, 'only with Zicbom');
});

test('memory, CLINT and PLIC wiring', () => {
  const { root } = readFdt(buildVirtDeviceTree(config));
  assert.deepEqual(node(root, '/memory@80000000').getU64s('reg'), [0x8000_0000n, 0x1_0000_0000n]);
  assert.equal(node(root, '/memory@80000000').getString('device_type'), 'memory');
  const intc = [0, 1].map((h) => node(root, `/cpus/cpu@${h}/interrupt-controller`).getU32('phandle'));
  const soc = node(root, '/soc');
  assert.equal(soc.getString('compatible'), 'simple-bus');
  assert.equal(soc.has('ranges'), true);
  const clint = node(soc, 'clint@2000000');
  assert.deepEqual(clint.getStrings('compatible'), ['sifive,clint0', 'riscv,clint0']);
  assert.deepEqual(clint.getU32s('interrupts-extended'), [intc[0], 3, intc[0], 7, intc[1], 3, intc[1], 7]);
  const plic = node(soc, 'plic@c000000');
  assert.deepEqual(plic.getStrings('compatible'), ['sifive,plic-1.0.0', 'riscv,plic0']);
  assert.deepEqual(plic.getU32s('interrupts-extended'), [intc[0], 11, intc[0], 9, intc[1], 11, intc[1], 9]);
  assert.equal(plic.getU32('riscv,ndev'), 95);
  assert.equal(plic.getU32('#interrupt-cells'), 1);
  assert.equal(plic.has('interrupt-controller'), true);
});

test('every memory-map region appears with its reg and interrupt (one table, two uses)', () => {
  const { root } = readFdt(buildVirtDeviceTree(config));
  const plicPhandle = node(root, '/soc/plic@c000000').getU32('phandle');
  for (const region of VIRT_MEMORY_MAP) {
    if (region.kind === 'ram') continue;
    const dev = node(root, `/soc/${regionNodeName(region)}`);
    assert.deepEqual(dev.getU64s('reg'), [BigInt(region.base), BigInt(region.size)], region.name);
    if (region.irq !== undefined) {
      assert.equal(dev.getU32('interrupts'), region.irq, region.name);
      assert.equal(dev.getU32('interrupt-parent'), plicPhandle, region.name);
    }
  }
  const uart = node(root, `/soc/serial@${UART0_BASE.toString(16)}`);
  assert.equal(uart.getString('compatible'), 'ns16550a');
  assert.equal(uart.getU32('clock-frequency'), 3_686_400);
  assert.equal(node(root, '/soc/rtc@101000').getString('compatible'), 'google,goldfish-rtc');
  assert.equal(node(root, '/soc/virtio_mmio@10008000').getString('compatible'), 'virtio,mmio');
});

test('test finisher is a syscon for poweroff and reboot', () => {
  const { root } = readFdt(buildVirtDeviceTree(config));
  const test = node(root, '/soc/test@100000');
  assert.deepEqual(test.getStrings('compatible'), ['sifive,test1', 'sifive,test0', 'syscon']);
  const phandle = test.getU32('phandle');
  for (const [name, value] of [
    ['poweroff', 0x5555],
    ['reboot', 0x7777],
  ] as const) {
    const n = node(root, `/${name}`);
    assert.equal(n.getString('compatible'), `syscon-${name}`);
    assert.equal(n.getU32('regmap'), phandle);
    assert.equal(n.getU32('offset'), 0);
    assert.equal(n.getU32('value'), value);
  }
});

test('chosen: bootargs, stdout-path, initrd, rng-seed; optional parts left out', () => {
  const { root } = readFdt(buildVirtDeviceTree(config));
  const chosen = node(root, '/chosen');
  assert.equal(chosen.getString('bootargs'), config.bootargs);
  assert.equal(chosen.getString('stdout-path'), '/soc/serial@10000000');
  assert.deepEqual(chosen.getU64s('linux,initrd-start'), [0x8800_0000n]);
  assert.deepEqual(chosen.getU64s('linux,initrd-end'), [0x8810_0000n]);
  assert.deepEqual(Array.from(chosen.getBytes('rng-seed') ?? []), [1, 2, 3, 4, 5, 6, 7, 8]);
  const bare = readFdt(
    buildVirtDeviceTree({
      ...config,
      bootargs: undefined,
      initrd: undefined,
      rngSeed: undefined,
      virtioSlots: [2],
    }),
  ).root;
  const bareChosen = node(bare, '/chosen');
  for (const p of ['bootargs', 'linux,initrd-start', 'rng-seed']) assert.equal(bareChosen.has(p), false, p);
  const virtio = node(bare, '/soc').children.filter((c) => c.name.startsWith('virtio_mmio@'));
  assert.deepEqual(
    virtio.map((c) => c.name),
    ['virtio_mmio@10003000'],
  );
});

test('bad configurations are refused', () => {
  assert.throws(() => buildVirtDeviceTree({ ...config, harts: 0 }), RangeError);
  assert.throws(() => buildVirtDeviceTree({ ...config, memoryBytes: 0 }), RangeError);
  assert.throws(() => buildVirtDeviceTree({ ...config, virtioSlots: [8] }), RangeError);
});

const dtc = spawnSync('dtc', ['--version'], { encoding: 'utf8' });

test(
  'dtc decodes the virt tree without warnings',
  { skip: dtc.status !== 0 ? 'dtc (device-tree-compiler) not installed' : false },
  () => {
    const result = spawnSync('dtc', ['-I', 'dtb', '-O', 'dts', '-'], {
      input: buildVirtDeviceTree(config),
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr, '');
    assert.match(result.stdout, /stdout-path = "\/soc\/serial@10000000";/);
    assert.match(result.stdout, /reg = <0x00 0x80000000 0x01 0x00>;/);
  },
);
