// ARP for IPv4 over Ethernet (RFC 826): parse a packet, build requests and replies.

export const ARP_REQUEST = 1;
export const ARP_REPLY = 2;

export interface ArpPacket {
  op: number;
  senderMac: Uint8Array;
  senderIp: number;
  targetMac: Uint8Array;
  targetIp: number;
}

/** Parse an Ethernet/IPv4 ARP packet (the payload of an Ethernet frame of type 0x0806). */
export function parseArp(data: Uint8Array): ArpPacket | undefined {
  if (data.length < 28) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  // hardware type 1 (Ethernet), protocol 0x0800, lengths 6 and 4.
  if (view.getUint16(0) !== 1 || view.getUint16(2) !== 0x0800 || data[4] !== 6 || data[5] !== 4)
    return undefined;
  const op = view.getUint16(6);
  if (op !== ARP_REQUEST && op !== ARP_REPLY) return undefined;
  return {
    op,
    senderMac: data.slice(8, 14),
    senderIp: view.getUint32(14),
    targetMac: data.slice(18, 24),
    targetIp: view.getUint32(24),
  };
}

export function buildArp(packet: ArpPacket): Uint8Array {
  const data = new Uint8Array(28);
  const view = new DataView(data.buffer);
  view.setUint16(0, 1);
  view.setUint16(2, 0x0800);
  data[4] = 6;
  data[5] = 4;
  view.setUint16(6, packet.op);
  data.set(packet.senderMac.subarray(0, 6), 8);
  view.setUint32(14, packet.senderIp);
  data.set(packet.targetMac.subarray(0, 6), 18);
  view.setUint32(24, packet.targetIp);
  return data;
}

/** The reply to `request` when it asks for `ip`, answered with `mac`; otherwise undefined. */
export function arpReply(request: ArpPacket, ip: number, mac: Uint8Array): Uint8Array | undefined {
  if (request.op !== ARP_REQUEST || request.targetIp !== ip) return undefined;
  return buildArp({
    op: ARP_REPLY,
    senderMac: mac,
    senderIp: ip,
    targetMac: request.senderMac,
    targetIp: request.senderIp,
  });
}
