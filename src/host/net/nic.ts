// `--nic` specifications of `rvisor run` and the host backends they open:
//   user[,hostfwd=tcp:ADDR:PORT-:GPORT]...[,mac=MAC]   user-mode NAT (the default)
//   switch,socket=PATH[,mac=MAC]                        a port of `rvisor switch --socket PATH`
//   none                                                no network card

import type { Server } from 'node:net';
import { parseMac, type NetworkBackend } from '../../engine/devices/virtio/net.js';
import { HostForwardError, parseHostForward, startHostForward, type HostForward } from './hostfwd.js';
import { UserNat } from './nat.js';
import { SwitchClientBackend } from './switch-hub.js';

export type NicSpec =
  | { kind: 'user'; hostfwd: HostForward[]; mac: Uint8Array | undefined }
  | { kind: 'switch'; socket: string; mac: Uint8Array | undefined }
  | { kind: 'none' };

export class NicSpecError extends Error {}

export function parseNicSpec(text: string): NicSpec {
  const [kind, ...parts] = text.split(',');
  const hostfwd: HostForward[] = [];
  let mac: Uint8Array | undefined;
  let socket: string | undefined;
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq < 0) throw new NicSpecError(`--nic ${text}: '${part}' is not KEY=VALUE`);
    const key = part.slice(0, eq);
    const value = part.slice(eq + 1);
    if (key === 'mac') {
      mac = parseMac(value);
      if (mac === undefined) throw new NicSpecError(`--nic ${text}: bad unicast MAC '${value}'`);
    } else if (key === 'hostfwd' && kind === 'user') {
      try {
        hostfwd.push(parseHostForward(value));
      } catch (err) {
        if (err instanceof HostForwardError) throw new NicSpecError(err.message);
        throw err;
      }
    } else if (key === 'socket' && kind === 'switch') {
      socket = value;
    } else {
      throw new NicSpecError(`--nic ${text}: unknown option '${key}' for '${kind}'`);
    }
  }
  switch (kind) {
    case 'user':
      return { kind, hostfwd, mac };
    case 'switch':
      if (socket === undefined || socket === '')
        throw new NicSpecError(`--nic ${text}: switch needs socket=PATH`);
      return { kind, socket, mac };
    case 'none':
      if (parts.length > 0) throw new NicSpecError(`--nic none takes no options`);
      return { kind };
    default:
      throw new NicSpecError(`--nic: unknown kind '${kind}' (user, switch or none)`);
  }
}

export interface OpenNic {
  backend: NetworkBackend;
  close(): Promise<void>;
  /** The listening forwards (user NICs), e.g. to learn a port chosen by the system. */
  forwards: Server[];
}

/** Open the host side of a NIC (listening forwards, connecting to a switch). */
export async function openNic(
  spec: Exclude<NicSpec, { kind: 'none' }>,
  log?: (message: string) => void,
): Promise<OpenNic> {
  if (spec.kind === 'switch') {
    const backend = await SwitchClientBackend.connect(spec.socket, log);
    return { backend, forwards: [], close: async () => backend.close() };
  }
  const nat = new UserNat({ log });
  const forwards: Server[] = [];
  const close = async () => {
    await Promise.all(forwards.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    await nat.close();
  };
  try {
    for (const forward of spec.hostfwd) forwards.push(await startHostForward(nat, forward));
  } catch (err) {
    await close();
    if (err instanceof HostForwardError) throw new NicSpecError(err.message);
    throw err;
  }
  return { backend: nat, forwards, close };
}
