// The host-side form of the virtual switch, so that VMs in separate `rvisor run` processes share one
// L2 segment: a hub listens on a unix socket and each connection is a switch port. Frames travel
// over the socket with a 4-byte big-endian length before each one. Optionally the user-mode NAT is
// one more port (the segment's uplink: DHCP, DNS, the gateway to the host).

import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { rmSync } from 'node:fs';
import type { NetworkBackend } from '../../engine/devices/virtio/net.js';
import { VirtualSwitch, type SwitchPort } from './switch.js';
import type { UserNat } from './nat.js';

/** Frames longer than this on the socket mean the stream is corrupt: the port is closed. */
export const MAX_WIRE_FRAME = 65536;

/** A 4-byte length prefix followed by the frame. */
export function encodeFrame(frame: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(4 + frame.length);
  out.writeUInt32BE(frame.length, 0);
  out.set(frame, 4);
  return out;
}

/** Splits a byte stream into length-prefixed frames. */
export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  /** Feed bytes; returns the complete frames, or undefined when the stream is corrupt. */
  push(chunk: Uint8Array): Uint8Array[] | undefined {
    this.pending = this.pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.pending, chunk]);
    const frames: Uint8Array[] = [];
    let at = 0;
    while (this.pending.length - at >= 4) {
      const length = this.pending.readUInt32BE(at);
      if (length > MAX_WIRE_FRAME) return undefined;
      if (this.pending.length - at - 4 < length) break;
      frames.push(new Uint8Array(this.pending.subarray(at + 4, at + 4 + length)));
      at += 4 + length;
    }
    this.pending = this.pending.subarray(at);
    return frames;
  }
}

export interface SwitchHubOptions {
  socketPath: string;
  /** The NAT uplink, when the segment should reach the host and the outside. */
  nat?: UserNat;
  log?: (message: string) => void;
}

export class SwitchHub {
  readonly switch = new VirtualSwitch();
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly options: SwitchHubOptions) {
    this.server = createServer((socket) => this.accept(socket));
    const nat = options.nat;
    if (nat !== undefined) {
      const port: SwitchPort = { deliver: (frame) => nat.send(frame) };
      nat.onReceive = (frame) => this.switch.input(port, frame);
      this.switch.attach(port);
    }
  }

  /** Listen on `socketPath` (a stale socket file left by a dead hub is replaced). */
  static async start(options: SwitchHubOptions): Promise<SwitchHub> {
    const hub = new SwitchHub(options);
    await new Promise<void>((resolve, reject) => {
      const listen = (retry: boolean) => {
        hub.server.once('error', (err: NodeJS.ErrnoException) => {
          if (retry && err.code === 'EADDRINUSE') {
            // Is someone there? If not, the file is stale.
            const probe = createConnection(options.socketPath);
            probe.once('connect', () => {
              probe.destroy();
              reject(new Error(`a switch already listens on ${options.socketPath}`));
            });
            probe.once('error', () => {
              rmSync(options.socketPath, { force: true });
              listen(false);
            });
            return;
          }
          reject(err);
        });
        hub.server.listen(options.socketPath, () => resolve());
      };
      listen(true);
    });
    return hub;
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    const decoder = new FrameDecoder();
    const port: SwitchPort = {
      deliver: (frame) => {
        // A port that cannot keep up loses frames rather than buffering without bound.
        if (socket.writableLength < 4 * 1024 * 1024) socket.write(encodeFrame(frame));
      },
    };
    this.switch.attach(port);
    this.options.log?.(`port connected (${this.switch.portCount} ports)`);
    socket.on('data', (chunk: Buffer) => {
      const frames = decoder.push(chunk);
      if (frames === undefined) {
        this.options.log?.('corrupt frame stream; closing the port');
        socket.destroy();
        return;
      }
      for (const frame of frames) this.switch.input(port, frame);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.switch.detach(port);
      this.options.log?.(`port disconnected (${this.switch.portCount} ports)`);
    });
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.options.nat?.close();
  }
}

/** A VM's NIC plugged into a SwitchHub through its unix socket. */
export class SwitchClientBackend implements NetworkBackend {
  onReceive: ((frame: Uint8Array) => void) | undefined;
  private readonly socket: Socket;
  private readonly decoder = new FrameDecoder();
  private connected = false;
  private queued: Buffer[] = [];

  private constructor(socketPath: string, log?: (message: string) => void) {
    this.socket = createConnection(socketPath);
    this.socket.on('data', (chunk: Buffer) => {
      const frames = this.decoder.push(chunk);
      if (frames === undefined) {
        log?.('switch: corrupt frame stream; disconnected');
        this.socket.destroy();
        return;
      }
      for (const frame of frames) this.onReceive?.(frame);
    });
    this.socket.on('close', () => {
      if (this.connected) log?.('switch: disconnected');
      this.connected = false;
    });
  }

  /** Connect to the hub at `socketPath`; rejects when nobody listens there. */
  static connect(socketPath: string, log?: (message: string) => void): Promise<SwitchClientBackend> {
    const backend = new SwitchClientBackend(socketPath, log);
    return new Promise((resolve, reject) => {
      backend.socket.once('connect', () => {
        backend.connected = true;
        for (const b of backend.queued) backend.socket.write(b);
        backend.queued = [];
        backend.socket.on('error', (err) => log?.(`switch: ${err.message}`));
        resolve(backend);
      });
      backend.socket.once('error', (err) => {
        if (!backend.connected)
          reject(new Error(`cannot connect to the switch at ${socketPath}: ${err.message}`));
      });
    });
  }

  send(frame: Uint8Array): void {
    if (!this.connected) return;
    if (this.socket.writableLength < 4 * 1024 * 1024) this.socket.write(encodeFrame(frame));
  }

  close(): void {
    this.socket.destroy();
  }
}
