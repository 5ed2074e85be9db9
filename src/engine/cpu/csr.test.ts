import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hart } from './hart.js';
import { GuestRam } from '../memory.js';
import { Bus } from '../bus.js';
import { runSlice } from './interpreter.js';
import { CSR_MIP, IRQ_SEI, MIP_SEIP, MIP_SSIP, MIP_STIP, MENVCFG_STCE } from './csr-numbers.js';

function hartWithProgram(words: number[]): Hart {
  const ram = new GuestRam(0x80000000, 64 * 1024);
  words.forEach((w, i) => ram.view.setInt32(i * 4, w, true));
  const hart = new Hart({ id: 0, ram, bus: new Bus(), clock: { ticks: () => 0 } });
  hart.reset(0x80000000);
  return hart;
}

/** csrrsi/csrrci x0, csr, uimm */
function csrImmediate(funct3: number, csr: number, uimm: number): number {
  return (csr << 20) | (uimm << 15) | (funct3 << 12) | 0x73 | 0;
}

test('csrs/csrc on mip do not latch device-driven SEIP into the software bits', () => {
  // Privileged spec 3.1.9: a read-modify-write of mip uses only the software-writable SEIP.
  const hart = hartWithProgram([csrImmediate(6, CSR_MIP, 2), csrImmediate(7, CSR_MIP, 2)]);
  hart.setInterruptPending(IRQ_SEI, true); // the PLIC raises the supervisor external line
  runSlice(hart, 1); // csrsi mip, SSIP
  assert.equal(hart.mip & (MIP_SEIP | MIP_SSIP), MIP_SEIP | MIP_SSIP);
  hart.setInterruptPending(IRQ_SEI, false); // the line drops again
  assert.equal(hart.mip & MIP_SEIP, 0, 'SEIP must follow the line once it drops');
  runSlice(hart, 1); // csrci mip, SSIP
  assert.equal(hart.mip & MIP_SSIP, 0);
});

test('with Sstc enabled, STIP follows stimecmp and ignores software writes', () => {
  const hart = hartWithProgram([csrImmediate(6, CSR_MIP, 0)]);
  hart.menvcfg = MENVCFG_STCE;
  hart.mipSoftware = MIP_STIP;
  assert.equal(hart.mip & MIP_STIP, 0);
  hart.stimecmpNumber = 0;
  hart.updateSupervisorTimer();
  assert.equal(hart.mip & MIP_STIP, MIP_STIP);
});
