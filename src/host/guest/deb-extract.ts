// Unpacking Debian packages and compressed files with the host's own tools: dpkg-deb (package
// dpkg, on every Debian host) for .deb files, xz (xz-utils) and zstd for compressed modules;
// gzip is done by node:zlib.

import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { CommandError, ToolMissingError } from './apt.js';

function execBinary(program: string, args: string[], debianPackage: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(program, args, { encoding: 'buffer', maxBuffer: 1 << 30 }, (error, stdout, stderr) => {
      if (error === null) {
        resolve(stdout);
        return;
      }
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new ToolMissingError(program, debianPackage));
        return;
      }
      const status = typeof error.code === 'number' ? error.code : null;
      reject(new CommandError(`${program} ${args.join(' ')}`, status, stderr.toString('utf8')));
    });
  });
}

/** Unpack a .deb's files into dir (like dpkg-deb -x; no maintainer scripts run). */
export async function extractDeb(debPath: string, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await execBinary('dpkg-deb', ['-x', debPath, dir], 'dpkg');
}

/** One control field of a .deb (dpkg-deb -f). */
export async function debField(debPath: string, field: string): Promise<string> {
  return (await execBinary('dpkg-deb', ['-f', debPath, field], 'dpkg')).toString('utf8').trim();
}

/** A file's contents, decompressed according to its suffix (.xz, .gz, .zst; others as they are). */
export async function readDecompressed(path: string): Promise<Uint8Array> {
  if (path.endsWith('.xz')) return execBinary('xz', ['-dc', path], 'xz-utils');
  if (path.endsWith('.zst')) return execBinary('zstd', ['-dcq', path], 'zstd');
  if (path.endsWith('.gz')) return gunzipSync(readFileSync(path));
  return readFileSync(path);
}
