// A DHCP server (RFC 2131, options of RFC 2132) for the user-mode network: DISCOVER gets an OFFER,
// REQUEST an ACK (or a NAK for an address that is not the client's), RELEASE frees the address.
// Addresses are handed out per client MAC from a small pool.

import { macKey } from './packet.js';

export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;
export const DHCPDISCOVER = 1;
export const DHCPOFFER = 2;
export const DHCPREQUEST = 3;
export const DHCPDECLINE = 4;
export const DHCPACK = 5;
export const DHCPNAK = 6;
export const DHCPRELEASE = 7;
export const DHCPINFORM = 8;
const MAGIC_COOKIE = 0x63825363;
const OPT_PAD = 0;
const OPT_SUBNET_MASK = 1;
const OPT_ROUTER = 3;
const OPT_DNS = 6;
const OPT_REQUESTED_IP = 50;
const OPT_LEASE_TIME = 51;
const OPT_MESSAGE_TYPE = 53;
const OPT_SERVER_ID = 54;
const OPT_END = 255;

export interface DhcpMessage {
  op: number;
  xid: number;
  flags: number;
  ciaddr: number;
  yiaddr: number;
  chaddr: Uint8Array;
  /** Option code → value bytes (the first occurrence of each). */
  options: Map<number, Uint8Array>;
}

/** Parse a BOOTP/DHCP message (the UDP payload); undefined when malformed. */
export function parseDhcp(data: Uint8Array): DhcpMessage | undefined {
  if (data.length < 240) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data[1] !== 1 || data[2] !== 6) return undefined; // Ethernet hardware addresses only
  if (view.getUint32(236) !== MAGIC_COOKIE) return undefined;
  const options = new Map<number, Uint8Array>();
  let at = 240;
  while (at < data.length) {
    const code = data[at++];
    if (code === OPT_PAD) continue;
    if (code === OPT_END) break;
    if (at >= data.length) return undefined;
    const length = data[at++];
    if (at + length > data.length) return undefined;
    if (!options.has(code)) options.set(code, data.slice(at, at + length));
    at += length;
  }
  return {
    op: data[0],
    xid: view.getUint32(4),
    flags: view.getUint16(10),
    ciaddr: view.getUint32(12),
    yiaddr: view.getUint32(16),
    chaddr: data.slice(28, 34),
    options,
  };
}

function u32Bytes(value: number): Uint8Array {
  return Uint8Array.of(value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
}

export interface DhcpServerConfig {
  serverIp: number;
  router: number;
  dns: number;
  netmask: number;
  /** First address handed out; the next clients get the following ones. */
  poolStart: number;
  poolSize: number;
  leaseSeconds: number;
}

export interface DhcpReply {
  /** The BOOTP payload to send from port 67 to port 68. */
  payload: Uint8Array;
  /** Message type (DHCPOFFER, DHCPACK or DHCPNAK). */
  type: number;
  /** The client's address in the reply (0 for a NAK). */
  yiaddr: number;
}

export class DhcpServer {
  private readonly leases = new Map<string, number>();

  constructor(readonly config: DhcpServerConfig) {}

  /** The address for `mac`, allocating one from the pool; undefined when the pool is exhausted. */
  addressFor(mac: Uint8Array): number | undefined {
    const key = macKey(mac);
    const known = this.leases.get(key);
    if (known !== undefined) return known;
    const taken = new Set(this.leases.values());
    for (let i = 0; i < this.config.poolSize; i++) {
      const ip = (this.config.poolStart + i) >>> 0;
      if (!taken.has(ip)) {
        this.leases.set(key, ip);
        return ip;
      }
    }
    return undefined;
  }

  /** The reply to a client message, or undefined when none is due. */
  handle(data: Uint8Array): DhcpReply | undefined {
    const message = parseDhcp(data);
    if (message === undefined || message.op !== 1) return undefined;
    const typeOption = message.options.get(OPT_MESSAGE_TYPE);
    if (typeOption === undefined || typeOption.length !== 1) return undefined;
    const type = typeOption[0];
    const serverId = message.options.get(OPT_SERVER_ID);
    if (serverId !== undefined && serverId.length === 4) {
      const id = new DataView(serverId.buffer, serverId.byteOffset).getUint32(0);
      if (id !== this.config.serverIp) return undefined; // the client chose another server
    }
    switch (type) {
      case DHCPDISCOVER: {
        const ip = this.addressFor(message.chaddr);
        return ip === undefined ? undefined : this.reply(message, DHCPOFFER, ip);
      }
      case DHCPREQUEST: {
        const ip = this.addressFor(message.chaddr);
        const requested = message.options.get(OPT_REQUESTED_IP);
        const wanted =
          requested !== undefined && requested.length === 4
            ? new DataView(requested.buffer, requested.byteOffset).getUint32(0)
            : message.ciaddr;
        if (ip === undefined || wanted !== ip) return this.reply(message, DHCPNAK, 0);
        return this.reply(message, DHCPACK, ip);
      }
      case DHCPINFORM:
        return this.reply(message, DHCPACK, 0);
      case DHCPRELEASE:
        this.leases.delete(macKey(message.chaddr));
        return undefined;
      default:
        return undefined; // DECLINE and anything else: nothing to say
    }
  }

  private reply(request: DhcpMessage, type: number, yiaddr: number): DhcpReply {
    const c = this.config;
    const options: [number, Uint8Array][] = [
      [OPT_MESSAGE_TYPE, Uint8Array.of(type)],
      [OPT_SERVER_ID, u32Bytes(c.serverIp)],
    ];
    if (type !== DHCPNAK) {
      if (type !== DHCPACK || yiaddr !== 0) options.push([OPT_LEASE_TIME, u32Bytes(c.leaseSeconds)]);
      options.push(
        [OPT_SUBNET_MASK, u32Bytes(c.netmask)],
        [OPT_ROUTER, u32Bytes(c.router)],
        [OPT_DNS, u32Bytes(c.dns)],
      );
    }
    const optionBytes = options.reduce((n, [, v]) => n + 2 + v.length, 0) + 1;
    const payload = new Uint8Array(Math.max(300, 240 + optionBytes));
    const view = new DataView(payload.buffer);
    payload[0] = 2; // BOOTREPLY
    payload[1] = 1;
    payload[2] = 6;
    view.setUint32(4, request.xid);
    view.setUint16(10, request.flags);
    view.setUint32(12, type === DHCPACK && yiaddr === 0 ? request.ciaddr : 0);
    view.setUint32(16, yiaddr);
    view.setUint32(20, type === DHCPNAK ? 0 : c.serverIp);
    payload.set(request.chaddr, 28);
    view.setUint32(236, MAGIC_COOKIE);
    let at = 240;
    for (const [code, value] of options) {
      payload[at++] = code;
      payload[at++] = value.length;
      payload.set(value, at);
      at += value.length;
    }
    payload[at] = OPT_END;
    return { payload, type, yiaddr };
  }
}
