// Runs every test: builds the RISC-V test programs (when the cross toolchain is installed), then
// runs all compiled *.test.js files under Node's test runner. Usage: node scripts/run-tests.mjs [filter]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filter = process.argv[2];

function hasTool(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

for (const dir of ['tests/isa', 'bench/programs']) {
  if (!existsSync(join(root, dir, 'Makefile'))) continue;
  if (!hasTool('riscv64-unknown-elf-gcc')) {
    console.error(`error: riscv64-unknown-elf-gcc is missing; install gcc-riscv64-unknown-elf (see .ci/run)`);
    process.exit(1);
  }
  const r = spawnSync('make', ['-s', '-C', join(root, dir), `-j2`], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

// The boot tests need the Debian guest (kernel, OpenSBI, initramfs); fetch it once, up front, so
// parallel test files do not race to fill the cache.
{
  const r = spawnSync(process.execPath, [join(root, 'bin/rvisor.js'), 'guest', 'fetch'], {
    stdio: 'inherit',
  });
  if (r.status !== 0) {
    console.error('error: `rvisor guest fetch` failed; the boot tests need the Debian guest software');
    process.exit(r.status ?? 1);
  }
}

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) collect(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const files = collect(join(root, 'dist'), [])
  .filter((f) => !filter || f.includes(filter))
  .sort();
if (files.length === 0) {
  console.error('no test files found (did the build run?)');
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
