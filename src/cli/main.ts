// The rvisor command line.

import { runCommand } from './run-command.js';
import { guestCommand } from './guest-command.js';
import { diskCommand } from './disk-command.js';
import { switchCommand } from './switch-command.js';
import { UsageError } from './args.js';
import { preferBaselineWasm } from '../host/wasm-tier.js';

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
  preferBaselineWasm();
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return await runCommand(rest);
      case 'guest':
        return await guestCommand(rest);
      case 'disk':
        return await diskCommand(rest);
      case 'switch':
        return await switchCommand(rest);
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
