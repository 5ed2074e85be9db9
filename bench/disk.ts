// Disk benchmark: sequential write (dd with conv=fsync) and read of 64 MiB on a virtio-blk disk
// inside the Debian guest, under rvisor and, when installed, under QEMU with the same kernel,
// initramfs and an identical raw image. The guest runs the commands from its initramfs autorun
// script and powers off; the time of each dd is read from the guest's /proc/uptime (10 ms
// resolution; the guest clock follows the host's).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchContext, BenchSection, SectionReport } from './section.js';
import { findQemu, QEMU } from './qemu.js';
import { sig } from './table.js';
import { repoRoot } from './paths.js';
import { defaultGuestPaths } from '../src/cli/default-guest.js';
import { buildInitramfs } from '../src/host/guest/initramfs.js';
import { loadInitramfsArtifacts } from '../src/host/guest/guest-artifacts.js';
import { readManifest } from '../src/host/guest/manifest.js';

const MIB = 64;
const TIMEOUT_S = 1200;
const AUTORUN = `
up() { cut -d' ' -f1 /proc/uptime; }
echo "DISK-T0 $(up)"
dd if=/dev/zero of=/dev/vda bs=1M count=${MIB} conv=fsync
echo "DISK-T1 $(up)"
echo 3 > /proc/sys/vm/drop_caches
echo "DISK-T2 $(up)"
dd if=/dev/vda of=/dev/null bs=1M count=${MIB}
echo "DISK-T3 $(up)"
poweroff -f
`;

interface DiskResult {
  writeMBs?: number;
  readMBs?: number;
  error?: string;
}

/** The guest uptime printed after `DISK-Tn`. */
function stamp(output: string, n: number): number | undefined {
  const m = new RegExp(`DISK-T${n} ([\\d.]+)`).exec(output);
  return m === null ? undefined : Number(m[1]);
}

/** MB/s of the dd between stamps `from` and `from + 1`. */
function ddRate(output: string, from: number): number | undefined {
  const start = stamp(output, from);
  const end = stamp(output, from + 1);
  if (start === undefined || end === undefined || end <= start) return undefined;
  return (MIB * 1024 * 1024) / (end - start) / 1e6;
}

function runGuest(command: string, args: string[]): Promise<DiskResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_S * 1000);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (output += chunk));
    child.stderr.on('data', (chunk: string) => (output += chunk));
    child.on('exit', () => {
      clearTimeout(timer);
      const writeMBs = ddRate(output, 0);
      const readMBs = ddRate(output, 2);
      if (writeMBs === undefined || readMBs === undefined) {
        resolve({ error: `no dd figures; console ends: ${output.slice(-300).replace(/\s+/g, ' ')}` });
      } else {
        resolve({ writeMBs, readMBs });
      }
    });
  });
}

export const diskSection: BenchSection = {
  name: 'disk',
  description: `virtio-blk: ${MIB} MiB sequential write (conv=fsync) and read with dd in the guest`,
  items: [],
  async run(ctx: BenchContext): Promise<SectionReport> {
    const guest = await defaultGuestPaths();
    const manifest = readManifest(guest.dir);
    if (manifest === null) throw new Error('the guest cache has no manifest');
    const dir = mkdtempSync(join(tmpdir(), 'rvisor-bench-disk-'));
    try {
      const initrd = join(dir, 'initrd.cpio.gz');
      writeFileSync(
        initrd,
        buildInitramfs(loadInitramfsArtifacts(guest.dir, manifest), { autorun: AUTORUN }),
      );
      const image = join(dir, 'disk.raw');
      writeFileSync(image, new Uint8Array(0));
      truncateSync(image, (MIB + 16) * 1024 * 1024);
      const append = 'console=ttyS0 quiet';
      ctx.log('disk: rvisor...');
      const ours = await runGuest(process.execPath, [
        join(repoRoot, 'bin', 'rvisor.js'),
        'run',
        '--initrd',
        initrd,
        '--drive',
        `file=${image},format=raw`,
        '--append',
        append,
      ]);
      const qemu = findQemu();
      let theirs: DiskResult | undefined;
      if (qemu !== undefined) {
        ctx.log('disk: QEMU...');
        theirs = await runGuest(QEMU, [
          ...['-M', 'virt', '-m', '512M', '-nographic', '-bios', guest.firmware, '-kernel', guest.kernel],
          ...['-initrd', initrd, '-append', append],
          ...['-drive', `file=${image},format=raw,if=none,id=hd0`, '-device', 'virtio-blk-device,drive=hd0'],
        ]);
      }
      const rate = (r: DiskResult | undefined, key: 'writeMBs' | 'readMBs') =>
        r === undefined ? '-' : (r.error ?? sig(r[key] ?? 0));
      const ratio = (key: 'writeMBs' | 'readMBs') =>
        ours[key] !== undefined && theirs?.[key] !== undefined ? sig(ours[key]! / theirs[key]!) : '-';
      return {
        title: `Disk: ${MIB} MiB sequential on virtio-blk (raw image)`,
        columns: [
          { header: 'direction', align: 'left' },
          { header: 'rvisor MB/s', align: 'right' },
          { header: 'QEMU MB/s', align: 'right' },
          { header: 'rvisor/QEMU', align: 'right' },
        ],
        rows: [
          ['write (conv=fsync)', rate(ours, 'writeMBs'), rate(theirs, 'writeMBs'), ratio('writeMBs')],
          ['read (caches dropped)', rate(ours, 'readMBs'), rate(theirs, 'readMBs'), ratio('readMBs')],
        ],
        notes: [
          'dd bs=1M on /dev/vda inside the guest, timed with its /proc/uptime (10 ms resolution); Debian kernel + initramfs, no filesystem',
          qemu ? `QEMU: ${qemu.version}, -device virtio-blk-device` : `${QEMU} not installed: ratios skipped`,
        ],
        data: { rvisor: ours, qemu: theirs },
        failed: ours.error !== undefined || theirs?.error !== undefined,
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
