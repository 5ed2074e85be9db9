// Ethernet, IPv4 (RFC 791), ICMP echo (RFC 792) and UDP (RFC 768) frames: parsing with every
// length checked, building with correct checksums (the Internet checksum of RFC 1071).

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const BROADCAST_MAC = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

/** One's-complement sum of 16-bit big-endian words, not yet folded or inverted. */
export function sum16(data: Uint8Array, initial = 0): number {
  let sum = initial;
  const n = data.length & ~1;
  for (let i = 0; i < n; i += 2) sum += (data[i] << 8) | data[i + 1];
  if (data.length & 1) sum += data[data.length - 1] << 8;
  return sum;
}

/** The Internet checksum: fold the sum to 16 bits and invert it. */
export function finishChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

export function internetChecksum(data: Uint8Array): number {
  return finishChecksum(sum16(data));
}

/** The TCP/UDP checksum over the IPv4 pseudo-header and `segment` (whose checksum field is 0). */
export function transportChecksum(src: number, dst: number, protocol: number, segment: Uint8Array): number {
  const pseudo = (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + segment.length;
  return finishChecksum(sum16(segment, pseudo));
}

/** Dotted quad → unsigned 32-bit number. */
export function ipFromString(text: string): number {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new RangeError(`not an IPv4 address: '${text}'`);
  }
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

export function ipToString(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 0xff}.${(ip >>> 8) & 0xff}.${ip & 0xff}`;
}

export function sameMac(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 6; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function macKey(mac: Uint8Array): string {
  return Array.from(mac.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join(':');
}

export interface EthernetFrame {
  dst: Uint8Array;
  src: Uint8Array;
  type: number;
  payload: Uint8Array;
}

export function parseEthernet(frame: Uint8Array): EthernetFrame | undefined {
  if (frame.length < 14) return undefined;
  return {
    dst: frame.subarray(0, 6),
    src: frame.subarray(6, 12),
    type: (frame[12] << 8) | frame[13],
    payload: frame.subarray(14),
  };
}

export function buildEthernet(
  dst: Uint8Array,
  src: Uint8Array,
  type: number,
  payload: Uint8Array,
): Uint8Array {
  const frame = new Uint8Array(14 + payload.length);
  frame.set(dst.subarray(0, 6), 0);
  frame.set(src.subarray(0, 6), 6);
  frame[12] = type >> 8;
  frame[13] = type & 0xff;
  frame.set(payload, 14);
  return frame;
}

export interface Ipv4Packet {
  src: number;
  dst: number;
  protocol: number;
  ttl: number;
  id: number;
  /** The transport payload, cut to the header's total length. */
  payload: Uint8Array;
}

export type Ipv4Problem = 'short' | 'version' | 'header-checksum' | 'length' | 'fragment';

/** Parse an IPv4 packet, or say why it is unusable (fragments are not reassembled). */
export function parseIpv4(data: Uint8Array): Ipv4Packet | Ipv4Problem {
  if (data.length < 20) return 'short';
  if (data[0] >> 4 !== 4) return 'version';
  const ihl = (data[0] & 0x0f) * 4;
  const total = (data[2] << 8) | data[3];
  if (ihl < 20 || total < ihl || total > data.length) return 'length';
  if (internetChecksum(data.subarray(0, ihl)) !== 0) return 'header-checksum';
  const flagsFragment = (data[6] << 8) | data[7];
  if ((flagsFragment & 0x2000) !== 0 || (flagsFragment & 0x1fff) !== 0) return 'fragment';
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return {
    src: view.getUint32(12),
    dst: view.getUint32(16),
    protocol: data[9],
    ttl: data[8],
    id: (data[4] << 8) | data[5],
    payload: data.subarray(ihl, total),
  };
}

let nextIpId = 1;

/** An IPv4 packet (20-byte header, DF clear) carrying `payload`. */
export function buildIpv4(
  src: number,
  dst: number,
  protocol: number,
  payload: Uint8Array,
  ttl = 64,
): Uint8Array {
  const packet = new Uint8Array(20 + payload.length);
  const view = new DataView(packet.buffer);
  packet[0] = 0x45;
  view.setUint16(2, packet.length);
  view.setUint16(4, nextIpId);
  nextIpId = (nextIpId + 1) & 0xffff;
  packet[8] = ttl;
  packet[9] = protocol;
  view.setUint32(12, src);
  view.setUint32(16, dst);
  view.setUint16(10, internetChecksum(packet.subarray(0, 20)));
  packet.set(payload, 20);
  return packet;
}

export interface UdpDatagram {
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
}

/** Parse a UDP datagram; undefined when its length or (non-zero) checksum is wrong. */
export function parseUdp(ip: Ipv4Packet): UdpDatagram | undefined {
  const data = ip.payload;
  if (data.length < 8) return undefined;
  const length = (data[4] << 8) | data[5];
  if (length < 8 || length > data.length) return undefined;
  const segment = data.subarray(0, length);
  const checksum = (data[6] << 8) | data[7];
  if (checksum !== 0 && transportChecksum(ip.src, ip.dst, IPPROTO_UDP, segment) !== 0) return undefined;
  return {
    srcPort: (data[0] << 8) | data[1],
    dstPort: (data[2] << 8) | data[3],
    payload: data.subarray(8, length),
  };
}

export function buildUdp(
  src: number,
  srcPort: number,
  dst: number,
  dstPort: number,
  payload: Uint8Array,
): Uint8Array {
  const segment = new Uint8Array(8 + payload.length);
  const view = new DataView(segment.buffer);
  view.setUint16(0, srcPort);
  view.setUint16(2, dstPort);
  view.setUint16(4, segment.length);
  segment.set(payload, 8);
  const checksum = transportChecksum(src, dst, IPPROTO_UDP, segment);
  view.setUint16(6, checksum === 0 ? 0xffff : checksum);
  return buildIpv4(src, dst, IPPROTO_UDP, segment);
}

/** The reply to an ICMP echo request (type 8), or undefined when `ip` is not a valid one. */
export function icmpEchoReply(ip: Ipv4Packet): Uint8Array | undefined {
  const data = ip.payload;
  if (data.length < 8 || data[0] !== 8 || data[1] !== 0) return undefined;
  if (internetChecksum(data) !== 0) return undefined;
  const reply = Uint8Array.from(data);
  reply[0] = 0;
  reply[2] = 0;
  reply[3] = 0;
  const checksum = internetChecksum(reply);
  reply[2] = checksum >> 8;
  reply[3] = checksum & 0xff;
  return buildIpv4(ip.dst, ip.src, IPPROTO_ICMP, reply);
}
