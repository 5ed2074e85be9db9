import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  defaultJitProfilePath,
  loadJitProfile,
  MAX_PROFILE_PAGES,
  mergeJitProfile,
  parseJitProfile,
  saveJitProfile,
} from './jit-profile.js';

const A = '0123456789abcdef';
const B = 'fedcba9876543210';

test('a profile parses only when every page has a digest and instruction offsets', () => {
  assert.deepEqual([...parseJitProfile(`[["${A}",[0,8,4094]]]`)], [[A, [0, 8, 4094]]]);
  const bad = [
    '{}',
    '[1]',
    `[["${A}"]]`,
    '[["0123", [0]]]',
    `[["${A.toUpperCase()}", [0]]]`,
    `[["${A}", []]]`,
    `[["${A}", [3]]]`,
    `[["${A}", [4096]]]`,
    `[["${A}", [-2]]]`,
    `[["${A}", [2.5]]]`,
    `[["${A}", ["8"]]]`,
    'not json',
  ];
  for (const text of bad) assert.throws(() => parseJitProfile(text), Error, text);
  const tooMany = JSON.stringify(
    Array.from({ length: MAX_PROFILE_PAGES + 1 }, (_, i) => [i.toString(16).padStart(16, '0'), [0]]),
  );
  assert.throws(() => parseJitProfile(tooMany), /more than/);
});

test('this run first, then the pages of earlier runs not seen again, up to the limit', () => {
  const previous = new Map([
    [A, [0]],
    [B, [2]],
  ]);
  const merged = mergeJitProfile([[B, [4, 6]]], previous);
  assert.deepEqual(
    [...merged],
    [
      [B, [4, 6]],
      [A, [0]],
    ],
  );
  const many = Array.from(
    { length: MAX_PROFILE_PAGES + 5 },
    (_, i) => [i.toString(16).padStart(16, '0'), [0]] as [string, number[]],
  );
  assert.equal(mergeJitProfile(many, previous).size, MAX_PROFILE_PAGES);
});

test('saved and loaded again; a missing file is an empty profile, a damaged one is reported', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvisor-jit-profile-'));
  try {
    const path = join(dir, 'deeper', 'jit-profile.json');
    assert.deepEqual(await loadJitProfile(path), { profile: new Map() });
    const profile = new Map([
      [A, [0, 8]],
      [B, [2]],
    ]);
    await saveJitProfile(path, profile);
    assert.deepEqual(await loadJitProfile(path), { profile });
    assert.deepEqual(readdirSync(join(dir, 'deeper')), ['jit-profile.json'], 'no temporary file left');
    assert.equal(statSync(path).mode & 0o777, 0o600, "this user's only");
    writeFileSync(path, '[["nope"');
    const damaged = await loadJitProfile(path);
    assert.equal(damaged.profile.size, 0);
    assert.match(damaged.problem ?? '', /is not a JIT profile/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the default file lives in rvisor cache directory', () => {
  assert.equal(
    defaultJitProfilePath({ RVISOR_CACHE_DIR: '/tmp/rv-cache' }),
    '/tmp/rv-cache/jit-profile.json',
  );
});
