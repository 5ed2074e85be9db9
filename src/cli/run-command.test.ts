// `rvisor run` as a user runs it, on a bare-metal program: --jit-stats prints the JIT's counters
// on stderr at the end (and nothing of the sort without it).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// This file runs from dist/src/cli/; the program and the entry point stay in the source tree.
const BIN = fileURLToPath(new URL('../../../bin/rvisor.js', import.meta.url));
const PROGRAM = fileURLToPath(new URL('../../../bench/build/bignum-small.elf', import.meta.url));

function run(...extra: string[]) {
  return spawnSync(process.execPath, [BIN, 'run', '--bios', 'none', '--kernel', PROGRAM, ...extra], {
    encoding: 'utf8',
    timeout: 120_000,
  });
}

test(
  '--jit-stats prints the JIT counters when the VM stops',
  { skip: !existsSync(PROGRAM) && 'bench/programs not built' },
  () => {
    const r = run('--jit-stats');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /bignum: sum=0x[0-9a-f]{16} PASS/);
    const line = /^rvisor: jit (\{.*\})$/m.exec(r.stderr);
    assert.ok(line, r.stderr);
    const stats = JSON.parse(line[1]) as Record<string, number>;
    // A page was made hot (whether its translation came back before the program's end depends
    // on the machine's load: the worker translates while the guest runs on).
    assert.ok(stats.translations > 0, line[1]);
    for (const key of ['instructions', 'exits', 'interpreted', 'optimized']) {
      assert.equal(typeof stats[key], 'number', key);
    }

    const plain = run();
    assert.equal(plain.status, 0, plain.stderr);
    assert.doesNotMatch(plain.stderr, /rvisor: jit/);
  },
);
