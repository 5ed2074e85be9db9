// Runs ES-module code in a child Node process started with its own V8 flags (which a test cannot
// change in its own process once V8 has started) and returns the JSON value of the last line the
// child prints.

import { execFileSync } from 'node:child_process';

export function runModuleChild<T>(
  flags: string[],
  code: string,
  args: string[],
  options: { cwd?: string } = {},
): T {
  const out = execFileSync(process.execPath, [...flags, '--input-type=module', '-e', code, ...args], {
    encoding: 'utf8',
    cwd: options.cwd,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as T;
}
