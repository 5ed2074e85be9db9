// `rvisor disk create-overlay` and `rvisor disk info`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { diskCommand } from './disk-command.js';
import { UsageError } from './args.js';
import { decodeHeader, OVERLAY_HEADER_SIZE } from '../host/disk/overlay.js';
import { openDrive } from '../host/disk/drive.js';

/** Run with the report captured. */
async function run(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const sink = {
    write: (chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    },
  };
  return { code: await diskCommand(argv, sink), out };
}

test('create-overlay stores the base relative to the overlay; the overlay opens as a drive', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvisor-disk-cli-'));
  try {
    writeFileSync(join(dir, 'base.img'), new Uint8Array(128 * 1024).fill(3));
    const out = join(dir, 'vms', '..', 'vm.rvcow');
    const base = relative(process.cwd(), join(dir, 'base.img'));
    const result = await run(['create-overlay', '--base', base, out]);
    assert.equal(result.code, 0);
    assert.match(result.out, /created .*vm\.rvcow: 131072 bytes/);
    const header = decodeHeader(new Uint8Array(readFileSync(out).subarray(0, OVERLAY_HEADER_SIZE)), out);
    assert.equal(header.basePath, 'base.img');
    const drive = await openDrive(`file=${out},format=rvcow`);
    assert.equal(drive.backend.size, 128 * 1024);
    await drive.backend.close();
    const info = await run(['info', out]);
    assert.match(info.out, /virtual size: +131072 bytes/);
    assert.match(info.out, /allocated: +0 of 2 clusters/);
    await assert.rejects(run(['create-overlay', '--base', base, out]), /already exists/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('usage errors', async () => {
  await assert.rejects(run(['create-overlay', 'out.rvcow']), UsageError);
  await assert.rejects(run(['create-overlay', '--base', 'x']), /exactly one output file/);
  await assert.rejects(
    run(['create-overlay', '--base', '/nonexistent/base.img', '/tmp/x.rvcow']),
    /no such file/,
  );
  await assert.rejects(run(['create-overlay', '--base', 'x', '--base-format', 'vmdk', 'o']), /raw or rvcow/);
  await assert.rejects(run(['frobnicate']), /unknown disk command/);
  assert.equal((await run(['--help'])).code, 0);
});
