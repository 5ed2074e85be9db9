// Timed runs of other programs (QEMU) made by a small helper process rather than by the process
// that runs rvisor's workloads.
//
// Why a helper: Node spawns a child by forking, and a fork write-protects every page of the parent
// until the child execs; the parent then faults once on each page it writes. In a process running
// rvisor (V8's heaps, the JIT's code, the translation worker) that is ~10K faults, ~70 ms (13%)
// of the next 0.5 s workload run: rvisor's intmix measured 0.49-0.53 s a run back to back and after
// idling 2 s, 0.56-0.60 s after a `spawnSync('true')` (10K more minor faults a run), the same after
// a QEMU run. The helper is forked once, while the bench process is still small, and makes every
// spawn after that, so that QEMU's runs can alternate with rvisor's (both then see the same load on
// the machine) at no cost to rvisor's.
import { fork, spawnSync, type ChildProcess } from 'node:child_process';

export interface TimedRun {
  /** Wall-clock seconds from spawning to exit. */
  readonly seconds: number;
  /** Exit status; null when killed by a signal (a time-out) or not started. */
  readonly exitCode: number | null;
  /** Standard output then standard error. */
  readonly output: string;
  readonly timedOut: boolean;
  /** Why the command could not be started (e.g. not installed), when it could not. */
  readonly error?: string;
}

/** Runs `command` to its end (killed after timeoutSeconds), timed; in this process. */
export function runTimed(command: string, args: readonly string[], timeoutSeconds: number): TimedRun {
  const start = process.hrtime.bigint();
  const r = spawnSync(command, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: timeoutSeconds * 1000,
    killSignal: 'SIGKILL',
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const code = r.error === undefined ? undefined : (r.error as NodeJS.ErrnoException).code;
  const timedOut = code === 'ETIMEDOUT';
  return {
    seconds,
    exitCode: r.status,
    output: (r.stdout ?? '') + (r.stderr ?? ''),
    timedOut,
    ...(r.error !== undefined && !timedOut ? { error: r.error.message } : {}),
  };
}

/** A request to the helper (spawner-process.ts) and its answer. */
export interface SpawnRequest {
  readonly id: number;
  readonly command: string;
  readonly args: readonly string[];
  readonly timeoutSeconds: number;
}
export interface SpawnAnswer {
  readonly id: number;
  readonly run: TimedRun;
}

const HELPER = new URL('spawner-process.js', import.meta.url);

/** The helper process; its runs are made one at a time, in the order asked. */
export class Spawner {
  private readonly child: ChildProcess;
  private readonly waiting = new Map<
    number,
    { resolve: (r: TimedRun) => void; reject: (e: Error) => void }
  >();
  private nextId = 1;
  private gone: Error | null = null;

  constructor() {
    // The helper needs none of this process's V8 settings or inspector options.
    this.child = fork(HELPER, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (message: SpawnAnswer) => {
      const w = this.waiting.get(message.id);
      if (w === undefined) return;
      this.waiting.delete(message.id);
      w.resolve(message.run);
    });
    const fail = (why: string) => {
      this.gone ??= new Error(why);
      for (const w of this.waiting.values()) w.reject(this.gone);
      this.waiting.clear();
    };
    this.child.on('error', (err) => fail(`spawner helper failed: ${err.message}`));
    this.child.on('exit', (code, signal) => fail(`spawner helper exited (${signal ?? `status ${code}`})`));
  }

  /** Runs `command` in the helper, timed there (the message round trip is not in the time). */
  run(command: string, args: readonly string[], timeoutSeconds: number): Promise<TimedRun> {
    if (this.gone !== null) return Promise.reject(this.gone);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      const request: SpawnRequest = { id, command, args, timeoutSeconds };
      this.child.send(request);
    });
  }

  /** Stops the helper (after the runs in progress). */
  close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.disconnect();
    });
  }
}
