// Boot tests: Debian's own riscv64 kernel, started by Debian's OpenSBI, reaches the initramfs
// shell on 1 and 2 harts; commands typed at the console answer correctly; poweroff ends the VM
// with status 0. The guest software comes from `rvisor guest fetch` (fetched on first use).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { VmProcess } from '../helpers/vm-process.js';

const BOOT_TIMEOUT = 15 * 60_000;
const COMMAND_TIMEOUT = 5 * 60_000;
// busybox ash prints its prompt and then asks the terminal for the cursor position (ESC [6n).
// eslint-disable-next-line no-control-regex -- the terminal escape is exactly what we match
const PROMPT = /# (\x1b\[6n)?$/;

/** seq 1 N as busybox prints it. */
function seqText(n: number): string {
  let s = '';
  for (let i = 1; i <= n; i++) s += `${i}\n`;
  return s;
}

async function bootAndCheck(harts: number): Promise<void> {
  const vm = new VmProcess(['--smp', String(harts), '--append', 'console=ttyS0 quiet']);
  try {
    await vm.waitFor('rvisor-initramfs: ready', BOOT_TIMEOUT);
    await vm.waitFor(PROMPT, COMMAND_TIMEOUT);

    // $((...)) makes the end marker appear only in the command's output, never in its echo.
    const uname = await vm.run('uname -a; echo "UNAME$((40+2))"', /UNAME42/, COMMAND_TIMEOUT);
    assert.match(uname, /Linux rvisor 6\.12\.\S+ #1 SMP Debian .* riscv64/);

    const cpuinfo = await vm.run('cat /proc/cpuinfo; echo "CPUS$((1+1))"', /CPUS2/, COMMAND_TIMEOUT);
    for (let hart = 0; hart < harts; hart++) assert.match(cpuinfo, new RegExp(`processor\\s*: ${hart}\\b`));
    assert.doesNotMatch(cpuinfo, new RegExp(`processor\\s*: ${harts}\\b`));
    assert.match(cpuinfo, /isa\s*: rv64imafdc/);
    assert.match(cpuinfo, /mmu\s*: sv57/);

    const n = 20000;
    const expected = createHash('sha256').update(seqText(n)).digest('hex');
    const sum = await vm.run(`seq 1 ${n} | sha256sum; echo "SUM$((3*3))"`, /SUM9/, COMMAND_TIMEOUT);
    assert.match(sum, new RegExp(`${expected}\\s+-`), `guest sha256 differs from the host's ${expected}`);

    vm.child.stdin.write('poweroff -f\n');
    assert.equal(await vm.exitCode(COMMAND_TIMEOUT), 0);
  } finally {
    vm.kill();
  }
}

test(
  'Debian kernel boots to the initramfs shell on 1 hart and powers off',
  { timeout: BOOT_TIMEOUT * 2 },
  () => bootAndCheck(1),
);

test(
  'Debian kernel boots to the initramfs shell on 2 harts and powers off',
  { timeout: BOOT_TIMEOUT * 2 },
  () => bootAndCheck(2),
);
