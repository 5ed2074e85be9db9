// `rvisor switch`: a virtual Ethernet switch on a unix socket, joining the VMs started with
// `rvisor run --nic switch,socket=PATH` on one private L2 segment; with --nat the user-mode NAT is
// an uplink (DHCP from 10.0.2.15 on, DNS at 10.0.2.3, the host at 10.0.2.2). Runs until Ctrl-C.

import { parseOptions, usageText, UsageError, type OptionSpec } from './args.js';
import { SwitchHub } from '../host/net/switch-hub.js';
import { UserNat } from '../host/net/nat.js';
import { HostForwardError, parseHostForward, startHostForward } from '../host/net/hostfwd.js';
import type { Server } from 'node:net';

const SWITCH_OPTIONS: Record<string, OptionSpec> = {
  socket: { value: true, help: 'unix socket path the VMs connect to (required)' },
  nat: { value: false, help: 'add the user-mode NAT as an uplink (DHCP, DNS, 10.0.2.2 = this host)' },
  hostfwd: {
    value: true,
    repeatable: true,
    help: 'with --nat: forward a host port to a guest, e.g. tcp:127.0.0.1:2222-10.0.2.15:22',
  },
  quiet: { value: false, help: 'do not log ports connecting and leaving' },
  help: { value: false, help: 'show this help' },
};

export async function switchCommand(argv: string[]): Promise<number> {
  const { options, positional, all } = parseOptions(argv, SWITCH_OPTIONS);
  if (options.has('help')) {
    process.stdout.write(usageText('switch', SWITCH_OPTIONS) + '\n');
    return 0;
  }
  if (positional.length > 0) throw new UsageError(`unexpected argument '${positional[0]}'`);
  const socketPath = options.get('socket');
  if (typeof socketPath !== 'string' || socketPath === '')
    throw new UsageError('rvisor switch needs --socket PATH');
  const forwardSpecs = all.get('hostfwd') ?? [];
  if (forwardSpecs.length > 0 && !options.has('nat')) throw new UsageError('--hostfwd needs --nat');
  const log = options.has('quiet')
    ? undefined
    : (message: string) => process.stderr.write(`rvisor switch: ${message}\n`);
  const nat = options.has('nat') ? new UserNat({ log }) : undefined;
  let hub: SwitchHub;
  try {
    hub = await SwitchHub.start({ socketPath, nat, log });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const servers: Server[] = [];
  try {
    for (const spec of forwardSpecs) servers.push(await startHostForward(nat!, parseHostForward(spec)));
  } catch (err) {
    await hub.close();
    if (err instanceof HostForwardError) throw new UsageError(err.message);
    throw err;
  }
  log?.(`listening on ${socketPath}${nat ? ' (NAT uplink 10.0.2.2)' : ''}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  for (const s of servers) s.close();
  await hub.close();
  return 0;
}
