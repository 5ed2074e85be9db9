// The benchmark's spawner helper (spawner.ts): commands run in the helper process, timed there,
// with their output, exit status, time-outs and start failures reported; the helper's death fails
// what was waiting, and later requests, with a clear error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Spawner, runTimed } from './spawner.js';

const node = process.execPath;

test('a command run by the helper reports its output, exit status and time', async () => {
  const spawner = new Spawner();
  try {
    const r = await spawner.run(
      node,
      ['-e', 'console.log("out"); console.error("err"); process.exit(3)'],
      30,
    );
    assert.equal(r.exitCode, 3);
    assert.equal(r.timedOut, false);
    assert.equal(r.error, undefined);
    assert.match(r.output, /^out\n/);
    assert.match(r.output, /err\n$/);
    assert.ok(r.seconds > 0 && r.seconds < 30, `seconds ${r.seconds}`);
    // Not this process: the helper spawned it.
    const pid = await spawner.run(node, ['-e', 'console.log(process.ppid)'], 30);
    assert.notEqual(Number(pid.output.trim()), process.pid);
  } finally {
    await spawner.close();
  }
});

test('runs asked together are made one at a time, each answered with its own result', async () => {
  const spawner = new Spawner();
  try {
    const runs = await Promise.all(
      [1, 2, 3].map((k) => spawner.run(node, ['-e', `process.stdout.write("${k}"); process.exit(${k})`], 30)),
    );
    assert.deepEqual(
      runs.map((r) => [r.output, r.exitCode]),
      [
        ['1', 1],
        ['2', 2],
        ['3', 3],
      ],
    );
  } finally {
    await spawner.close();
  }
});

test('a command that outlives its time-out is killed and reported as timed out', async () => {
  const spawner = new Spawner();
  try {
    const r = await spawner.run(node, ['-e', 'setTimeout(() => {}, 60000)'], 0.5);
    assert.equal(r.timedOut, true);
    assert.equal(r.exitCode, null);
    assert.ok(r.seconds < 30, `seconds ${r.seconds}`);
  } finally {
    await spawner.close();
  }
});

test('a command that does not exist is an error, not a crash', async () => {
  const spawner = new Spawner();
  try {
    const r = await spawner.run('/nonexistent/rvisor-no-such-command', [], 30);
    assert.equal(r.exitCode, null);
    assert.equal(r.timedOut, false);
    assert.match(r.error ?? '', /ENOENT/);
    // The same in this process.
    assert.match(runTimed('/nonexistent/rvisor-no-such-command', [], 30).error ?? '', /ENOENT/);
  } finally {
    await spawner.close();
  }
});

test("the helper's death fails the runs waiting and every later one", async () => {
  const spawner = new Spawner();
  // The helper runs its commands synchronously: this one kills the helper (its parent) mid-run.
  const waiting = spawner.run('sh', ['-c', 'kill -9 $PPID; sleep 5'], 30);
  await assert.rejects(waiting, /spawner helper exited \(SIGKILL\)/);
  await assert.rejects(spawner.run(node, ['-e', ''], 30), /spawner helper exited/);
  await spawner.close();
});
