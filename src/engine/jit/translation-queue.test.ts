// The queue in front of an asynchronous translator (jit.ts, sendQueued): a translator that takes
// requests a few at a time (PageTranslator.concurrency, two here as for the worker) holds no more,
// and of the pages waiting, the one interpreted most since it was queued goes first, not the one
// queued first.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encI, encJ } from '../cpu/encode.js';
import { addi, bne, machineWith } from './test-asm.js';
import type { PageTranslator, TranslatedPage } from './jit.js';
import { DEFAULT_LIMITS, translatePageCopy } from './translate.js';

const [RA, S0, A0, A1] = [1, 8, 10, 11];
const jal = (rd: number, offset: number): number => encJ(rd, offset);
const ret = (): number => encI(0x67, 0, 0, RA, 0);

const WORDS_PER_PAGE = 1024;
/** Calls of f1, f2 and f3 (pages 1..3) in three phases; f3's phase runs longest. */
const CALLS = [40, 40, 400];

/**
 * Page 0: for each function in turn, a loop calling it CALLS[k] times (with 10 more instructions
 * per call, so that page 0 is hot during the first phase too), then a spin. Pages 1..3: a
 * function of 20 addi and a return.
 */
function program(): Uint32Array {
  const w = new Uint32Array(4 * WORDS_PER_PAGE);
  let at = 0;
  for (let k = 0; k < 3; k++) {
    w[at++] = addi(S0, 0, CALLS[k]);
    const loop = at;
    w[at] = jal(RA, 4 * ((k + 1) * WORDS_PER_PAGE - at));
    at++;
    for (let j = 0; j < 10; j++) w[at++] = addi(A1, A1, 1);
    w[at++] = addi(S0, S0, -1);
    w[at] = bne(S0, 0, 4 * (loop - at));
    at++;
  }
  w[at] = jal(0, 0);
  for (let k = 1; k <= 3; k++) {
    for (let j = 0; j < 20; j++) w[k * WORDS_PER_PAGE + j] = addi(A0, A0, k);
    w[k * WORDS_PER_PAGE + 20] = ret();
  }
  return w;
}

/** Holds every request until the test answers it. */
class HeldTranslator implements PageTranslator {
  readonly concurrency = 2;
  readonly requests: { code: Uint8Array; answered: boolean; answer: () => void }[] = [];
  outstanding = 0;
  maxOutstanding = 0;

  translate(code: Uint8Array, entries: number[], sweep: boolean): Promise<TranslatedPage> {
    this.outstanding++;
    this.maxOutstanding = Math.max(this.maxOutstanding, this.outstanding);
    return new Promise((resolve) => {
      const request = {
        code,
        answered: false,
        answer: () => {
          if (request.answered) return;
          request.answered = true;
          this.outstanding--;
          const result = translatePageCopy(code, entries, DEFAULT_LIMITS, sweep);
          const module = new WebAssembly.Module(result.bytes);
          resolve({ module, resume: result.resume, byteLength: result.bytes.length, ms: 0 });
        },
      };
      this.requests.push(request);
    });
  }
}

test('queued translations go to the translator two at a time, the most interpreted page first', async () => {
  const code = program();
  const translator = new HeldTranslator();
  const machine = machineWith(code, { jit: true, jitOptions: { hotThreshold: 200, translator } });
  const pageOf = (bytes: Uint8Array): number => {
    for (let p = 0; p < 4; p++) {
      const page = new Uint8Array(code.buffer, p * 4096, 4096);
      // The copy holds the page and the next page's first halfword (see Jit.pageCopy).
      if (bytes.subarray(0, 4096).every((b, i) => b === page[i])) return p;
    }
    return -1;
  };
  // All three phases, interpreted (nothing is answered yet): every page became hot.
  machine.run(200_000);
  assert.equal(translator.maxOutstanding, 2, 'two requests in the translator at most');
  assert.equal(translator.requests.length, 2);
  const first = translator.requests.map((r) => pageOf(r.code));
  assert.deepEqual(first.sort(), [0, 1], 'the first phase made pages 0 and 1 hot');
  // f2's page became hot before f3's, but f3's ran ten times as long since: it goes next.
  translator.requests[0].answer();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(translator.requests.length, 3);
  assert.equal(pageOf(translator.requests[2].code), 3, "f3's page was sent before f2's");
  // Answer everything: every page ends up translated and the guest's result is the interpreter's.
  for (let k = 0; k < 8 && translator.outstanding > 0; k++) {
    for (const r of translator.requests.slice()) r.answer();
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.equal(translator.outstanding, 0);
  assert.deepEqual(translator.requests.map((r) => pageOf(r.code)).sort(), [0, 1, 2, 3]);
  const sum = CALLS.reduce((s, n, k) => s + n * 20 * (k + 1), 0);
  assert.equal(Number(machine.harts[0].regs.x[A0]), sum);
});
