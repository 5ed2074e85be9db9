// `rvisor run` as a user runs it, on a bare-metal program: --jit-stats prints the JIT's counters
// on stderr at the end (and nothing of the sort without it); the JIT profile is written at the end
// and makes the next run translate the program's hot pages when they first run.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseJitProfile } from '../host/jit-profile.js';

// This file runs from dist/src/cli/; the program and the entry point stay in the source tree.
const BIN = fileURLToPath(new URL('../../../bin/rvisor.js', import.meta.url));
const PROGRAM = fileURLToPath(new URL('../../../bench/build/bignum-small.elf', import.meta.url));

// The default JIT profile goes to rvisor's cache directory: a scratch one here.
const CACHE = mkdtempSync(join(tmpdir(), 'rvisor-run-test-'));
process.on('exit', () => rmSync(CACHE, { recursive: true, force: true }));

function run(...extra: string[]) {
  return runIn(CACHE, ...extra);
}

function runIn(cache: string, ...extra: string[]) {
  return spawnSync(process.execPath, [BIN, 'run', '--bios', 'none', '--kernel', PROGRAM, ...extra], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, RVISOR_CACHE_DIR: cache },
  });
}

function jitStats(stderr: string): Record<string, number> {
  const line = /^rvisor: jit (\{.*\})$/m.exec(stderr);
  assert.ok(line, stderr);
  return JSON.parse(line[1]) as Record<string, number>;
}

test(
  '--jit-stats prints the JIT counters when the VM stops',
  { skip: !existsSync(PROGRAM) && 'bench/programs not built' },
  () => {
    const r = run('--jit-stats');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /bignum: sum=0x[0-9a-f]{16} PASS/);
    const stats = jitStats(r.stderr);
    // A page was made hot (whether its translation came back before the program's end depends
    // on the machine's load: the worker translates while the guest runs on).
    assert.ok(stats.translations > 0, JSON.stringify(stats));
    for (const key of ['instructions', 'exits', 'interpreted', 'optimized']) {
      assert.equal(typeof stats[key], 'number', key);
    }

    const plain = run();
    assert.equal(plain.status, 0, plain.stderr);
    assert.doesNotMatch(plain.stderr, /rvisor: jit/);
  },
);

test(
  'the JIT profile a run leaves makes the next one translate the hot pages when they first run',
  { skip: !existsSync(PROGRAM) && 'bench/programs not built' },
  () => {
    const profile = join(CACHE, 'profile-test.json');
    const first = run('--jit-profile', profile, '--jit-stats');
    assert.equal(first.status, 0, first.stderr);
    const pages = parseJitProfile(readFileSync(profile, 'utf8'));
    assert.ok(pages.size > 0, 'the translated pages are in the profile');
    assert.equal(jitStats(first.stderr).profileHits, 0);

    const second = run('--jit-profile', profile, '--jit-stats');
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stdout, /bignum: sum=0x[0-9a-f]{16} PASS/);
    assert.ok(jitStats(second.stderr).profileHits > 0, second.stderr);

    // By default the profile lives in rvisor's cache directory; --no-jit-profile writes none.
    const elsewhere = join(CACHE, 'elsewhere');
    const byDefault = runIn(elsewhere);
    assert.equal(byDefault.status, 0, byDefault.stderr);
    assert.ok(parseJitProfile(readFileSync(join(elsewhere, 'jit-profile.json'), 'utf8')).size > 0);
    const nowhere = join(CACHE, 'nowhere');
    const none = runIn(nowhere, '--no-jit-profile', '--jit-stats');
    assert.equal(none.status, 0, none.stderr);
    assert.equal(jitStats(none.stderr).profileHits, 0);
    assert.equal(existsSync(nowhere), false);
  },
);

test('SIGTERM stops the VM as the quit keys do: status 143, the JIT profile saved', async () => {
  // A flat binary at 0x80000000 that never ends: `1: addi a0, a0, 1; j 1b`.
  const loop = join(CACHE, 'loop.bin');
  writeFileSync(loop, Buffer.from(Uint32Array.of(0x00150513, 0xffdff06f).buffer));
  const profile = join(CACHE, 'sigterm-profile.json');
  const child = spawn(
    process.execPath,
    [BIN, 'run', '--bios', 'none', '--kernel', loop, '--jit-profile', profile],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, RVISOR_CACHE_DIR: CACHE },
    },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // Long enough for the loop's page to be translated (a worker's start and one translation).
  await new Promise((resolve) => setTimeout(resolve, 3000));
  child.kill('SIGTERM');
  const code = await Promise.race([
    exited,
    new Promise((resolve) => setTimeout(() => resolve('timeout'), 20_000)),
  ]);
  if (code === 'timeout') child.kill('SIGKILL');
  assert.equal(code, 143, stderr);
  assert.match(stderr, /stopping the VM \(SIGTERM\)/);
  assert.ok(parseJitProfile(readFileSync(profile, 'utf8')).size > 0, 'the loop page is in the saved profile');
});
