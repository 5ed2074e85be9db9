// Network benchmark: TCP throughput of the Debian guest, (1) guest → host through the user-mode NAT
// (`dd if=/dev/zero | nc 10.0.2.2 PORT` into a sink on 127.0.0.1, timed on the host from the
// connection to its end), (2) VM → VM through `rvisor switch` (timed from typing the command to its
// end marker), and (3) the same as (1) under QEMU's user-mode network
// (`-netdev user -device virtio-net-device`) when qemu-system-riscv64 is installed.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchContext, BenchSection, SectionReport } from './section.js';
import { findQemu, QEMU } from './qemu.js';
import { sig } from './table.js';
import { repoRoot } from './paths.js';
import { defaultGuestPaths } from '../src/cli/default-guest.js';
import { SwitchHub } from '../src/host/net/switch-hub.js';

const BOOT_TIMEOUT_MS = 15 * 60_000;
const TRANSFER_TIMEOUT_MS = 10 * 60_000;
const READY = 'rvisor-initramfs: ready';
const APPEND = 'console=ttyS0 quiet';

/** A VM's serial console on a child process's stdio (rvisor or QEMU). */
class Console {
  output = '';
  private readonly child: ChildProcessWithoutNullStreams;

  constructor(command: string, args: string[]) {
    this.child = spawn(command, args, { stdio: 'pipe' });
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => {
      this.output += chunk;
    });
    this.child.stderr.resume();
  }

  async waitFor(text: string | RegExp, timeoutMs: number, from = 0): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rest = this.output.slice(from);
      if (typeof text === 'string' ? rest.includes(text) : text.test(rest)) return;
      if (this.child.exitCode !== null) throw new Error(`the VM exited: ${this.output.slice(-500)}`);
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${String(text)}: ${this.output.slice(-500)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Type `command`; resolves when "<tag>-1001" appears (seconds it took). */
  async run(command: string, tag: string, timeoutMs: number): Promise<number> {
    const from = this.output.length;
    const start = performance.now();
    this.child.stdin.write(`${command}; echo "${tag}-$((1000+1))"\n`);
    await this.waitFor(`${tag}-1001`, timeoutMs, from);
    return (performance.now() - start) / 1000;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

function rvisor(args: string[]): Console {
  return new Console(process.execPath, [
    join(repoRoot, 'bin', 'rvisor.js'),
    'run',
    '--append',
    APPEND,
    ...args,
  ]);
}

/** A TCP sink on 127.0.0.1: resolves with MB/s of the first connection (accept to end). */
async function sink(): Promise<{
  port: number;
  result: Promise<{ bytes: number; seconds: number }>;
  close: () => void;
}> {
  const server = createServer({ allowHalfOpen: true });
  const result = new Promise<{ bytes: number; seconds: number }>((resolve) => {
    server.once('connection', (socket) => {
      const start = performance.now();
      let bytes = 0;
      socket.on('data', (d) => (bytes += d.length));
      socket.on('end', () => {
        resolve({ bytes, seconds: (performance.now() - start) / 1000 });
        socket.end();
      });
      socket.on('error', () => undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, result, close: () => server.close() };
}

interface Measurement {
  mbPerSecond?: number;
  megabytes: number;
  seconds?: number;
  error?: string;
}

async function natUpload(vm: Console, megabytes: number): Promise<Measurement> {
  try {
    await vm.waitFor(READY, BOOT_TIMEOUT_MS);
    await vm.waitFor(/# /, 60_000);
    await vm.run(
      'ip link set eth0 up; ifconfig eth0 10.0.2.15 netmask 255.255.255.0 up; route add default gw 10.0.2.2',
      'net',
      60_000,
    );
    const s = await sink();
    try {
      await vm.run(
        `dd if=/dev/zero bs=64k count=${megabytes * 16} 2>/dev/null | nc 10.0.2.2 ${s.port}`,
        'up',
        TRANSFER_TIMEOUT_MS,
      );
      const r = await s.result;
      if (r.bytes !== megabytes * 1024 * 1024) return { megabytes, error: `sink got ${r.bytes} bytes` };
      return { megabytes, seconds: r.seconds, mbPerSecond: r.bytes / 1024 / 1024 / r.seconds };
    } finally {
      s.close();
    }
  } catch (err) {
    return { megabytes, error: err instanceof Error ? err.message.slice(0, 80) : String(err) };
  } finally {
    vm.kill();
  }
}

async function switchTransfer(megabytes: number): Promise<Measurement> {
  const dir = mkdtempSync(join(tmpdir(), 'rvisor-bench-net-'));
  const socket = join(dir, 'switch.sock');
  const hub = await SwitchHub.start({ socketPath: socket });
  const vms = [1, 2].map((n) => rvisor(['--nic', `switch,socket=${socket},mac=52:54:00:77:01:0${n}`]));
  try {
    for (const vm of vms) await vm.waitFor(READY, BOOT_TIMEOUT_MS);
    for (const vm of vms) await vm.waitFor(/# /, 60_000);
    const [a, b] = vms;
    await a.run('ifconfig eth0 192.168.77.1 netmask 255.255.255.0 up', 'ipa', 60_000);
    await b.run('ifconfig eth0 192.168.77.2 netmask 255.255.255.0 up', 'ipb', 60_000);
    await a.run('ping -c 1 192.168.77.2', 'ping', 60_000);
    await b.run('(sleep 900 | nc -l -p 5000 > /dev/null) & true', 'listen', 60_000);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const seconds = await a.run(
      `dd if=/dev/zero bs=64k count=${megabytes * 16} 2>/dev/null | nc 192.168.77.2 5000`,
      'send',
      TRANSFER_TIMEOUT_MS,
    );
    return { megabytes, seconds, mbPerSecond: megabytes / seconds };
  } catch (err) {
    return { megabytes, error: err instanceof Error ? err.message.slice(0, 80) : String(err) };
  } finally {
    for (const vm of vms) vm.kill();
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function cell(m: Measurement | undefined): string {
  if (m === undefined) return '-';
  return m.error ?? sig(m.mbPerSecond ?? 0);
}

export const networkSection: BenchSection = {
  name: 'network',
  description: 'TCP throughput of the guest: to the host through the NAT, VM to VM through the switch',
  items: ['net-nat', 'net-switch'],
  async run(ctx: BenchContext): Promise<SectionReport> {
    const guest = await defaultGuestPaths();
    const qemu = findQemu();
    const megabytes = ctx.small ? 1 : 8;
    const want = (item: string) => ctx.only === undefined || ctx.only === 'network' || ctx.only === item;
    const rows: string[][] = [];
    const data: Record<string, unknown> = { megabytes };
    let failed = false;
    if (want('net-nat')) {
      ctx.log(`network: rvisor guest → host through the NAT, ${megabytes} MB...`);
      const ours = await natUpload(rvisor(['--nic', 'user']), megabytes);
      let theirs: Measurement | undefined;
      if (qemu !== undefined) {
        ctx.log(`network: QEMU user-mode guest → host, ${megabytes} MB...`);
        const args = [
          '-M',
          'virt',
          '-m',
          '512M',
          '-nographic',
          '-bios',
          guest.firmware,
          '-kernel',
          guest.kernel,
        ];
        args.push(
          '-initrd',
          guest.initrd,
          '-append',
          APPEND,
          '-netdev',
          'user,id=n0',
          '-device',
          'virtio-net-device,netdev=n0',
        );
        theirs = await natUpload(new Console(QEMU, args), megabytes);
      }
      failed ||= ours.error !== undefined || theirs?.error !== undefined;
      rows.push([
        'guest → host (NAT, 10.0.2.2)',
        cell(ours),
        cell(theirs),
        ours.mbPerSecond && theirs?.mbPerSecond ? sig(ours.mbPerSecond / theirs.mbPerSecond) : '-',
      ]);
      data.nat = { rvisor: ours, qemu: theirs };
    }
    if (want('net-switch')) {
      ctx.log(`network: rvisor VM → VM through the switch, ${megabytes} MB...`);
      const ours = await switchTransfer(megabytes);
      failed ||= ours.error !== undefined;
      rows.push(['VM → VM (rvisor switch)', cell(ours), '-', '-']);
      data.switch = { rvisor: ours };
    }
    return {
      title: 'Network: TCP throughput of the Debian guest (busybox dd | nc), MB/s',
      columns: [
        { header: 'path', align: 'left' },
        { header: 'rvisor MB/s', align: 'right' },
        { header: 'QEMU MB/s', align: 'right' },
        { header: 'rvisor/QEMU', align: 'right' },
      ],
      rows,
      notes: [
        `${megabytes} MB of zeros per transfer; NAT: timed on the host sink from accept to FIN; switch: wall time of the sending command`,
        qemu
          ? `QEMU: ${qemu.version} (TCG), -netdev user -device virtio-net-device, same guest files`
          : `${QEMU} not installed: no comparison`,
      ],
      data,
      failed,
    };
  },
};
