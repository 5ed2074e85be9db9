// Drives `rvisor run` as a child process the way a person at the console would: wait for text on
// the serial console, type a line, wait for the answer (an `expect` for tests).

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../../bin/rvisor.js', import.meta.url));

export class VmProcess {
  readonly child: ChildProcessWithoutNullStreams;
  output = '';
  stderr = '';
  private readonly exited: Promise<number>;
  private waiters: (() => void)[] = [];

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [BIN, 'run', ...args], { stdio: 'pipe' });
    this.child.stdout.setEncoding('utf8');
    this.child.stderr.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => {
      this.output += chunk;
      this.notify();
    });
    this.child.stderr.on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.notify();
        resolve(code ?? (signal ? 128 : 1));
      });
    });
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Resolve with the output once `pattern` appears after offset `from`; reject on timeout or exit. */
  async waitFor(pattern: string | RegExp, timeoutMs: number, from = 0): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rest = this.output.slice(from);
      const m =
        typeof pattern === 'string' ? (rest.includes(pattern) ? [pattern] : null) : rest.match(pattern);
      if (m) return m as RegExpMatchArray;
      if (this.child.exitCode !== null) {
        throw new Error(
          `VM exited (${this.child.exitCode}) before ${String(pattern)}; console:\n${this.tail()}`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${String(pattern)}; console:\n${this.tail()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1000));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Type a command and return the console text it produced up to `done` (a regex on the output). */
  async run(command: string, done: RegExp, timeoutMs: number): Promise<string> {
    const from = this.output.length;
    this.child.stdin.write(command + '\n');
    const m = await this.waitFor(done, timeoutMs, from);
    return m.input ?? '';
  }

  tail(chars = 3000): string {
    return this.output.slice(-chars) + (this.stderr ? `\n[stderr]\n${this.stderr.slice(-2000)}` : '');
  }

  async exitCode(timeoutMs: number): Promise<number> {
    const timeout = new Promise<number>((_, reject) =>
      setTimeout(
        () => reject(new Error(`VM did not exit in time; console:\n${this.tail()}`)),
        timeoutMs,
      ).unref(),
    );
    return Promise.race([this.exited, timeout]);
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
