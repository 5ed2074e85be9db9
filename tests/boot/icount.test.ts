// --icount makes a VM reproducible: guest time comes from retired instructions, the wall clock
// and the kernel's RNG seed are fixed, so two boots print byte-identical console output. The two
// boots here run on different tiers (the JIT, then --no-jit): identical output also shows that
// translated code retires exactly the instructions the interpreter does, with the same results.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildInitramfs } from '../../src/host/guest/initramfs.js';
import { loadInitramfsArtifacts } from '../../src/host/guest/guest-artifacts.js';
import { defaultGuestPaths } from '../../src/cli/default-guest.js';
import { readManifest } from '../../src/host/guest/manifest.js';
import { VmProcess } from '../helpers/vm-process.js';

const RUN_TIMEOUT = 20 * 60_000;

// Work that exercises timers, the scheduler and the clock, then power off.
const AUTORUN = `
date
cat /proc/uptime
sleep 1
seq 1 3000 | sha256sum
cat /proc/interrupts
poweroff -f
`;

async function runOnce(initrd: string, extra: string[] = []): Promise<string> {
  const vm = new VmProcess([
    '--icount',
    '--smp',
    '2',
    '--initrd',
    initrd,
    '--append',
    'console=ttyS0',
    ...extra,
  ]);
  try {
    assert.equal(await vm.exitCode(RUN_TIMEOUT), 0, vm.tail());
    return vm.output;
  } finally {
    vm.kill();
  }
}

test(
  'two --icount boots (JIT and interpreter) print byte-identical console output',
  { timeout: RUN_TIMEOUT * 2 },
  async () => {
    const guest = await defaultGuestPaths();
    const dir = mkdtempSync(join(tmpdir(), 'rvisor-icount-'));
    try {
      const manifest = readManifest(guest.dir);
      assert.ok(manifest, 'the guest cache has no manifest');
      const initrd = join(dir, 'initrd.cpio.gz');
      writeFileSync(
        initrd,
        buildInitramfs(loadInitramfsArtifacts(guest.dir, manifest), { autorun: AUTORUN }),
      );
      const first = await runOnce(initrd);
      const second = await runOnce(initrd, ['--no-jit']);
      assert.match(first, /rvisor-initramfs/);
      assert.match(first, /\b2026\b/, 'the deterministic wall clock starts in 2026');
      assert.ok(
        first === second,
        'console output differs between the --icount runs with and without the JIT',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
