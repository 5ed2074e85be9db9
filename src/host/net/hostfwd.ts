// Port forwards from the host into the guest, QEMU style: `tcp:127.0.0.1:2222-:22` listens on the
// host's 127.0.0.1:2222 and turns every connection into a TCP connection from the gateway to the
// guest's port 22 (through UserNat).

import { createServer, type Server } from 'node:net';
import { ipFromString } from './packet.js';
import type { UserNat } from './nat.js';

export interface HostForward {
  protocol: 'tcp';
  hostAddress: string;
  hostPort: number;
  /** undefined: the NAT's guest address (10.0.2.15). */
  guestAddress: number | undefined;
  guestPort: number;
}

export class HostForwardError extends Error {}

function port(text: string, what: string, allowZero: boolean): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535 || (n === 0 && !allowZero)) {
    throw new HostForwardError(`bad ${what} port '${text}'`);
  }
  return n;
}

/** Parse `tcp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT` (the protocol defaults to tcp). */
export function parseHostForward(spec: string): HostForward {
  const m = /^(?:(tcp|udp):)?([^:]*):(\d+)-([^:]*):(\d+)$/.exec(spec);
  if (!m) throw new HostForwardError(`bad hostfwd '${spec}' (expected tcp:ADDR:PORT-:GUESTPORT)`);
  if (m[1] === 'udp') throw new HostForwardError(`hostfwd '${spec}': only tcp forwards are supported`);
  let guestAddress: number | undefined;
  try {
    if (m[4] !== '') guestAddress = ipFromString(m[4]);
    if (m[2] !== '') ipFromString(m[2]);
  } catch (err) {
    throw new HostForwardError(`hostfwd '${spec}': ${(err as Error).message}`);
  }
  return {
    protocol: 'tcp',
    hostAddress: m[2] === '' ? '127.0.0.1' : m[2],
    hostPort: port(m[3], 'host', true),
    guestAddress,
    guestPort: port(m[5], 'guest', false),
  };
}

/** Listen for a forward; resolves with the server once it listens (its address has the port). */
export function startHostForward(nat: UserNat, forward: HostForward): Promise<Server> {
  const server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => {
    nat.connectToGuest(forward.guestAddress ?? nat.guestIp, forward.guestPort, socket);
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err) =>
      reject(new HostForwardError(`hostfwd ${forward.hostAddress}:${forward.hostPort}: ${err.message}`)),
    );
    server.listen(forward.hostPort, forward.hostAddress, () => resolve(server));
  });
}
