import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeModule } from './fake-packages.js';
import {
  ModuleError,
  indexModuleFiles,
  moduleDepends,
  moduleLoadOrder,
  moduleName,
  readBuiltinModules,
  readModinfo,
} from './kernel-modules.js';

test('module names treat - and _ alike and drop the suffixes', () => {
  assert.equal(moduleName('kernel/drivers/char/hw_random/virtio-rng.ko.xz'), 'virtio_rng');
  assert.equal(moduleName('virtio_net.ko'), 'virtio_net');
  assert.equal(moduleName('virtio-rng'), 'virtio_rng');
});

test('.modinfo is read from the module ELF', () => {
  const info = readModinfo(
    fakeModule('virtio_net', ['net_failover'], { license: 'GPL', vermagic: '6.12 SMP' }),
  );
  assert.deepEqual(info.get('name'), ['virtio_net']);
  assert.deepEqual(info.get('license'), ['GPL']);
  assert.deepEqual(moduleDepends(info), ['net_failover']);
  assert.deepEqual(moduleDepends(readModinfo(fakeModule('virtio_mmio', []))), []);
  assert.deepEqual(moduleDepends(readModinfo(fakeModule('x', ['a-b', 'c']))), ['a_b', 'c']);
  assert.throws(
    () => readModinfo(new Uint8Array([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0, ...new Uint8Array(64)])),
    ModuleError,
  );
});

test('load order puts dependencies first, skips built-in modules, and finds cycles', () => {
  const deps: Record<string, string[] | null> = {
    virtio_net: ['net_failover'],
    net_failover: ['failover'],
    failover: [],
    virtio_mmio: [],
    virtio_console: null,
  };
  const lookup = (n: string): string[] | null => {
    const d = deps[n];
    if (d === undefined) throw new Error(`unknown ${n}`);
    return d;
  };
  assert.deepEqual(moduleLoadOrder(['virtio_mmio', 'virtio_net', 'virtio_console', 'failover'], lookup), [
    'virtio_mmio',
    'failover',
    'net_failover',
    'virtio_net',
  ]);
  assert.throws(() => moduleLoadOrder(['a'], (n) => (n === 'a' ? ['b'] : ['a'])), /cycle: a -> b -> a/);
});

test('module files are indexed by name; modules.builtin is read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvisor-mods-'));
  try {
    mkdirSync(join(dir, 'kernel/drivers/char/hw_random'), { recursive: true });
    mkdirSync(join(dir, 'kernel/net/core'), { recursive: true });
    writeFileSync(join(dir, 'kernel/drivers/char/hw_random/virtio-rng.ko.xz'), '');
    writeFileSync(join(dir, 'kernel/net/core/failover.ko'), '');
    writeFileSync(
      join(dir, 'modules.builtin'),
      'kernel/drivers/char/virtio_console.ko\nkernel/drivers/virtio/virtio.ko\n',
    );
    assert.deepEqual([...indexModuleFiles(dir)].sort(), [
      ['failover', 'kernel/net/core/failover.ko'],
      ['virtio_rng', 'kernel/drivers/char/hw_random/virtio-rng.ko.xz'],
    ]);
    assert.deepEqual([...readBuiltinModules(dir)], ['virtio_console', 'virtio']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
