// The rvisor command line.

// Each command's module is imported when it runs: loading all of them cost `rvisor run` ~50 ms
// more at start (~155 ms against ~108 ms for the run command's own).
import { UsageError } from './args.js';
import { raiseMallocThresholds } from '../host/malloc-thresholds.js';
import { configureV8Tiers } from '../host/v8-tiers.js';

const HELP = `rvisor — RISC-V virtual machines in TypeScript

usage: rvisor <command> [options]

commands:
  run      run one VM in the foreground (rvisor run --help); with no options it boots the
           Debian guest (fetched on first use)
  guest    fetch the Debian guest software: kernel, OpenSBI, initramfs (rvisor guest --help)
  disk     disk image tools: copy-on-write overlays (rvisor disk --help)
  switch   a virtual Ethernet switch on a unix socket joining VMs (rvisor switch --help)
`;

export async function main(argv: string[]): Promise<number> {
  raiseMallocThresholds();
  configureV8Tiers();
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        // The translation worker starts first, while a core is idle (see prestartTranslator).
        if (!rest.includes('--no-jit')) (await import('../host/translation-worker.js')).prestartTranslator();
        return await (await import('./run-command.js')).runCommand(rest);
      case 'guest':
        return await (await import('./guest-command.js')).guestCommand(rest);
      case 'disk':
        return await (await import('./disk-command.js')).diskCommand(rest);
      case 'switch':
        return await (await import('./switch-command.js')).switchCommand(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(HELP);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (err) {
    if (err instanceof UsageError || (err instanceof Error && /invalid size/.test(err.message))) {
      process.stderr.write(`rvisor: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
