// The user-mode NAT with a simulated guest (whose TCP is this package's own TcpConnection): ARP,
// DHCP, ping and DNS through frames; a TCP connection to a server on 127.0.0.1 through 10.0.2.2
// with data both ways; a port forward from a host port into the guest; UDP relayed to a host
// socket; malformed frames counted. Everything stays on 127.0.0.1.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type AddressInfo } from 'node:net';
import { createSocket } from 'node:dgram';
import { UserNat, NAT_GATEWAY, NAT_GATEWAY_MAC, NAT_GUEST } from './nat.js';
import { startHostForward, parseHostForward } from './hostfwd.js';
import {
  BROADCAST_MAC,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  IPPROTO_TCP,
  IPPROTO_UDP,
  buildEthernet,
  buildIpv4,
  buildUdp,
  internetChecksum,
  ipFromString,
  IPPROTO_ICMP,
  parseEthernet,
  parseIpv4,
  parseUdp,
} from './packet.js';
import { ARP_REQUEST, buildArp, parseArp } from './arp.js';
import { TcpConnection, TCP_SYN, parseTcp, type TcpSegment } from './tcp.js';

const GUEST_MAC = Uint8Array.of(0x52, 0x54, 0, 0x12, 0x34, 0x56);

/** A guest on the NAT: frames out through nat.send, frames in collected or handed to TCP. */
class FakeGuest {
  readonly frames: Uint8Array[] = [];
  readonly tcp = new Map<number, TcpConnection>();
  /** Called for a SYN to a port nobody listens on yet (a port forward arriving). */
  onSyn: ((seg: TcpSegment) => void) | undefined;

  constructor(readonly nat: UserNat) {
    nat.onReceive = (frame) => setImmediate(() => this.receive(frame));
  }

  receive(frame: Uint8Array): void {
    this.frames.push(frame);
    const eth = parseEthernet(frame);
    if (eth?.type !== ETHERTYPE_IPV4) return;
    const ip = parseIpv4(eth.payload);
    if (typeof ip === 'string' || ip.protocol !== IPPROTO_TCP) return;
    const seg = parseTcp(ip);
    assert.ok(seg, 'the NAT sent a TCP segment with a bad checksum');
    const conn = this.tcp.get(seg.dstPort);
    if (conn) conn.input(seg);
    else if (seg.flags === TCP_SYN) this.onSyn?.(seg);
  }

  sendIp(packet: Uint8Array, dstMac = NAT_GATEWAY_MAC): void {
    this.nat.send(buildEthernet(dstMac, GUEST_MAC, ETHERTYPE_IPV4, packet));
  }

  connection(localPort: number, remote: { ip: number; port: number }, received: Uint8Array[]): TcpConnection {
    const conn = new TcpConnection({
      local: { ip: NAT_GUEST, port: localPort },
      remote,
      initialRtoMs: 100,
      output: (p) => this.sendIp(p),
      onData: (d) => received.push(d),
    });
    this.tcp.set(localPort, conn);
    return conn;
  }
}

async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

test('ARP, DHCP, ping and DNS through frames', async () => {
  const nat = new UserNat({
    resolver: async (name) => (name === 'host.test' ? [ipFromString('127.0.0.1')] : []),
  });
  const guest = new FakeGuest(nat);
  try {
    nat.send(
      buildEthernet(
        BROADCAST_MAC,
        GUEST_MAC,
        ETHERTYPE_ARP,
        buildArp({
          op: ARP_REQUEST,
          senderMac: GUEST_MAC,
          senderIp: NAT_GUEST,
          targetMac: new Uint8Array(6),
          targetIp: NAT_GATEWAY,
        }),
      ),
    );
    await until(() => guest.frames.length === 1);
    const arp = parseArp(parseEthernet(guest.frames[0])!.payload);
    assert.deepEqual([...arp!.senderMac], [...NAT_GATEWAY_MAC]);

    const discover = new Uint8Array(300);
    discover.set([1, 1, 6], 0);
    discover.set([1, 2, 3, 4], 4);
    discover.set(GUEST_MAC, 28);
    discover.set([99, 130, 83, 99, 53, 1, 1, 255], 236);
    guest.sendIp(buildUdp(0, 68, 0xffffffff, 67, discover), BROADCAST_MAC);
    await until(() => guest.frames.length === 2);
    const offer = parseUdp(parseIpv4(parseEthernet(guest.frames[1])!.payload) as never);
    assert.equal(offer?.dstPort, 68);
    assert.deepEqual([...offer!.payload.subarray(16, 20)], [10, 0, 2, 15]);

    const echo = Uint8Array.of(8, 0, 0, 0, 0, 1, 0, 1);
    const c = internetChecksum(echo);
    echo.set([c >> 8, c & 0xff], 2);
    guest.sendIp(buildIpv4(NAT_GUEST, NAT_GATEWAY, IPPROTO_ICMP, echo));
    await until(() => guest.frames.length === 3);
    const reply = parseIpv4(parseEthernet(guest.frames[2])!.payload);
    assert.ok(typeof reply !== 'string' && reply.payload[0] === 0);

    const query = Uint8Array.from([
      0,
      7,
      1,
      0,
      0,
      1,
      0,
      0,
      0,
      0,
      0,
      0,
      4,
      ...Buffer.from('host'),
      4,
      ...Buffer.from('test'),
      0,
      0,
      1,
      0,
      1,
    ]);
    guest.sendIp(buildUdp(NAT_GUEST, 5353, ipFromString('10.0.2.3'), 53, query));
    await until(() => guest.frames.length === 4);
    const answer = parseUdp(parseIpv4(parseEthernet(guest.frames[3])!.payload) as never);
    assert.deepEqual([...answer!.payload.subarray(answer!.payload.length - 4)], [127, 0, 0, 1]);
    assert.equal(nat.stats.dnsQueries, 1);
  } finally {
    await nat.close();
  }
});

test('malformed frames are dropped and counted, never thrown', () => {
  const nat = new UserNat();
  nat.onReceive = () => undefined;
  const before = nat.stats.dropped;
  nat.send(new Uint8Array(5));
  nat.send(buildEthernet(NAT_GATEWAY_MAC, GUEST_MAC, ETHERTYPE_IPV4, new Uint8Array(10)));
  nat.send(buildEthernet(NAT_GATEWAY_MAC, GUEST_MAC, ETHERTYPE_ARP, new Uint8Array(3)));
  const udp = buildUdp(NAT_GUEST, 1, NAT_GATEWAY, 2, new Uint8Array(4));
  udp[udp.length - 1] ^= 0xff;
  nat.send(buildEthernet(NAT_GATEWAY_MAC, GUEST_MAC, ETHERTYPE_IPV4, udp));
  const tcp = buildIpv4(NAT_GUEST, NAT_GATEWAY, IPPROTO_TCP, new Uint8Array(20));
  nat.send(buildEthernet(NAT_GATEWAY_MAC, GUEST_MAC, ETHERTYPE_IPV4, tcp));
  assert.equal(nat.stats.dropped - before, 5);
  void nat.close();
});

test('TCP from the guest to 10.0.2.2 reaches 127.0.0.1, data both ways, clean close', async () => {
  const serverGot: Buffer[] = [];
  let serverEnded = false;
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('data', (d) => serverGot.push(d));
    socket.on('end', () => {
      serverEnded = true;
      socket.end(Buffer.alloc(200_000, 0x5a));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const nat = new UserNat();
  const guest = new FakeGuest(nat);
  try {
    const received: Uint8Array[] = [];
    const conn = guest.connection(33333, { ip: NAT_GATEWAY, port }, received);
    conn.connect();
    await until(() => conn.state === 'ESTABLISHED');
    const up = Buffer.alloc(150_000);
    for (let i = 0; i < up.length; i++) up[i] = i % 251;
    conn.write(up);
    conn.end();
    await until(() => serverEnded && Buffer.concat(received).length === 200_000, 10_000);
    assert.ok(Buffer.concat(serverGot).equals(up));
    assert.ok(Buffer.concat(received).equals(Buffer.alloc(200_000, 0x5a)));
    await until(() => conn.state === 'CLOSED' || conn.state === 'TIME_WAIT');
    assert.equal(nat.stats.tcpConnections, 1);
  } finally {
    await nat.close();
    server.close();
  }
});

test('TCP to a closed port is refused with RST', async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const nat = new UserNat();
  const guest = new FakeGuest(nat);
  let reason: string | undefined;
  try {
    const conn = new TcpConnection({
      local: { ip: NAT_GUEST, port: 40000 },
      remote: { ip: NAT_GATEWAY, port },
      output: (p) => guest.sendIp(p),
      onClose: (r) => (reason = r),
    });
    guest.tcp.set(40000, conn);
    conn.connect();
    await until(() => reason !== undefined);
    assert.equal(reason, 'reset');
  } finally {
    await nat.close();
  }
});

test('a port forward turns a host connection into a guest connection', async () => {
  const nat = new UserNat();
  const guest = new FakeGuest(nat);
  // The guest must be known to the NAT (it learns the MAC from the guest's frames).
  guest.sendIp(buildUdp(NAT_GUEST, 9, NAT_GATEWAY, 9, new Uint8Array(1)));
  const server = await startHostForward(nat, parseHostForward('tcp:127.0.0.1:0-:8080'));
  const port = (server.address() as AddressInfo).port;
  // The guest "listens" on 8080: it answers the NAT's SYN and echoes data upper-cased, then closes.
  guest.onSyn = (syn) => {
    assert.equal(syn.dstPort, 8080);
    const conn = new TcpConnection({
      local: { ip: NAT_GUEST, port: 8080 },
      remote: { ip: NAT_GATEWAY, port: syn.srcPort },
      output: (p) => guest.sendIp(p),
      onData: (d) => conn.write(Buffer.from(Buffer.from(d).toString().toUpperCase())),
      onFin: () => conn.end(),
    });
    guest.tcp.set(8080, conn);
    conn.acceptSyn(syn);
  };
  try {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (d) => chunks.push(d));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.end('hello guest');
    await closed;
    assert.equal(Buffer.concat(chunks).toString(), 'HELLO GUEST');
  } finally {
    server.close();
    await nat.close();
  }
});

test('UDP from the guest is relayed to a host socket and the answer comes back', async () => {
  const echo = createSocket('udp4');
  echo.on('message', (m, r) => echo.send(Buffer.concat([Buffer.from('re:'), m]), r.port, r.address));
  await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', resolve));
  const port = echo.address().port;
  const nat = new UserNat();
  const guest = new FakeGuest(nat);
  try {
    guest.sendIp(buildUdp(NAT_GUEST, 7777, NAT_GATEWAY, port, Buffer.from('ping')));
    await until(() => guest.frames.length >= 1);
    const ip = parseIpv4(parseEthernet(guest.frames[0])!.payload);
    assert.ok(typeof ip !== 'string' && ip.protocol === IPPROTO_UDP && ip.src === NAT_GATEWAY);
    const udp = parseUdp(ip);
    assert.equal(udp?.srcPort, port);
    assert.equal(udp?.dstPort, 7777);
    assert.equal(Buffer.from(udp!.payload).toString(), 're:ping');
  } finally {
    echo.close();
    await nat.close();
  }
});
