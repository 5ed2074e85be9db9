// Checks FloatUnit against vectors computed by QEMU's softfloat (an independent exact
// implementation of the RISC-V F and D semantics).
//
// How testdata/qemu-vectors.txt was generated: a bare-metal RV64GC C program (not in the repo)
// draws operands from a PRNG -- normal numbers, sparse significands that make exact ties,
// cancelling and tie-making second operands and addends, subnormals, the fast-path range
// boundaries, NaNs (quiet, signaling, badly NaN-boxed singles), infinities, integers near
// conversion limits -- executes each op under each rounding mode 0..4 (set via fsrm, dynamic
// rm in the instruction) between fsflags x0 and frflags, and prints one line per execution over
// the UART:
//
//   op rm a b c result flags      (hex; op = FpOp number, 64-bit register patterns)
//
// It ran as `qemu-system-riscv64 -M virt -bios none -nographic -kernel gen.elf` (Debian QEMU
// 7.2). Operands a, b, c are f1, f2, f3 (a is x1 for integer sources); the result is f4 or x4.
// The committed file is a subset; larger runs were checked during development by pointing
// FPU_VECTORS at their output.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FpOp } from './fp-ops.js';
import { Harness, OP_NAMES, hex64 } from './test-support.js';

const defaultPath = new URL('../../../../../src/engine/cpu/fpu/testdata/qemu-vectors.txt', import.meta.url);

test('FloatUnit matches QEMU softfloat vectors', () => {
  const path = process.env.FPU_VECTORS ?? defaultPath;
  const lines = readFileSync(path, 'utf8').split('\n');
  const h = new Harness();
  const failures: string[] = [];
  let count = 0;
  for (const line of lines) {
    if (line === '' || line.startsWith('#')) continue;
    const [opS, rmS, aS, bS, cS, rS, fS] = line.split(' ');
    const op = parseInt(opS, 16) as FpOp;
    const rm = parseInt(rmS, 16);
    const got = h.run(op, rm, BigInt('0x' + aS), BigInt('0x' + bS), BigInt('0x' + cS));
    count++;
    const want = BigInt('0x' + rS);
    const wantFlags = parseInt(fS, 16);
    if (got === null || got.r !== want || got.flags !== wantFlags) {
      failures.push(
        `${OP_NAMES[op]} rm=${rm} a=${aS} b=${bS} c=${cS}: want ${rS}/${fS} got ` +
          (got ? `${hex64(got.r)}/${got.flags.toString(16).padStart(2, '0')}` : 'rejected'),
      );
    }
  }
  assert.ok(count > 0, 'no vectors');
  assert.equal(
    failures.length,
    0,
    `${failures.length} of ${count} mismatches:\n${failures.slice(0, 40).join('\n')}`,
  );
});
