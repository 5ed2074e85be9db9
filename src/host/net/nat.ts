// User-mode networking, like QEMU's `-nic user`: a virtual network 10.0.2.0/24 with a gateway
// (10.0.2.2) that answers ARP and ping, a DHCP server handing out 10.0.2.15 (then .16, ... to
// further MACs behind a switch) and a DNS forwarder at 10.0.2.3 that asks the host's resolver.
// Guest TCP connections are terminated here (tcp.ts) and relayed through host sockets; UDP is
// relayed through host datagram sockets. 10.0.2.2 stands for the host itself (127.0.0.1). Port
// forwards (hostfwd.ts) turn host connections into connections to the guest. No root, no TAP.

import { createConnection, type Socket } from 'node:net';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import type { NetworkBackend } from '../../engine/devices/virtio/net.js';
import { ARP_REQUEST, arpReply, buildArp, parseArp } from './arp.js';
import { DHCP_CLIENT_PORT, DHCP_SERVER_PORT, DhcpServer } from './dhcp.js';
import { DNS_PORT, answerDnsQuery, systemResolver, type HostResolver } from './dns.js';
import {
  BROADCAST_MAC,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  IPPROTO_ICMP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  buildEthernet,
  buildUdp,
  icmpEchoReply,
  ipFromString,
  ipToString,
  parseEthernet,
  parseIpv4,
  parseUdp,
  sameMac,
  type Ipv4Packet,
} from './packet.js';
import { TcpConnection, TCP_ACK, TCP_SYN, parseTcp, resetFor, type TcpSegment } from './tcp.js';

export const NAT_NETWORK = ipFromString('10.0.2.0');
export const NAT_NETMASK = ipFromString('255.255.255.0');
export const NAT_GATEWAY = ipFromString('10.0.2.2');
export const NAT_DNS = ipFromString('10.0.2.3');
export const NAT_GUEST = ipFromString('10.0.2.15');
/** The gateway's MAC (QEMU's slirp uses the same). */
export const NAT_GATEWAY_MAC = Uint8Array.of(0x52, 0x55, 0x0a, 0x00, 0x02, 0x02);
const LOOPBACK = '127.0.0.1';
const UDP_IDLE_MS = 60_000;

export interface NatStats {
  framesIn: number;
  framesOut: number;
  /** Guest frames dropped: malformed, bad checksums, fragments, unsupported protocols. */
  dropped: number;
  tcpConnections: number;
  udpDatagrams: number;
  dnsQueries: number;
}

export interface UserNatOptions {
  /** The host resolver behind 10.0.2.3 (default: node:dns lookup). */
  resolver?: HostResolver;
  /** Where 10.0.2.2 leads on the host (default 127.0.0.1). */
  hostLoopback?: string;
  /** Problems worth a line on the host's log. */
  log?: (message: string) => void;
  /** TCP retransmission timeout settings (tests). */
  tcp?: { initialRtoMs?: number; minRtoMs?: number };
}

interface UdpFlow {
  socket: UdpSocket;
  guestIp: number;
  guestPort: number;
  timer: NodeJS.Timeout;
}

function tcpKey(guestIp: number, guestPort: number, remoteIp: number, remotePort: number): string {
  return `${guestIp}:${guestPort}>${remoteIp}:${remotePort}`;
}

export class UserNat implements NetworkBackend {
  onReceive: ((frame: Uint8Array) => void) | undefined;
  readonly stats: NatStats = {
    framesIn: 0,
    framesOut: 0,
    dropped: 0,
    tcpConnections: 0,
    udpDatagrams: 0,
    dnsQueries: 0,
  };
  readonly dhcp = new DhcpServer({
    serverIp: NAT_GATEWAY,
    router: NAT_GATEWAY,
    dns: NAT_DNS,
    netmask: NAT_NETMASK,
    poolStart: NAT_GUEST,
    poolSize: 64,
    leaseSeconds: 86400,
  });
  /** Guest IP → MAC, learned from the guests' frames. */
  private readonly neighbours = new Map<number, Uint8Array>();
  private readonly tcp = new Map<string, TcpConnection>();
  /** Guest connections whose host socket is still connecting (their SYN is not answered yet). */
  private readonly connecting = new Set<string>();
  private readonly udp = new Map<string, UdpFlow>();
  private readonly resolver: HostResolver;
  private readonly hostLoopback: string;
  private nextPort = 40000;
  private closed = false;

  constructor(private readonly options: UserNatOptions = {}) {
    this.resolver = options.resolver ?? systemResolver;
    this.hostLoopback = options.hostLoopback ?? LOOPBACK;
  }

  /** A frame from a guest. */
  send(frame: Uint8Array): void {
    if (this.closed) return;
    this.stats.framesIn++;
    const eth = parseEthernet(frame);
    if (eth === undefined) return this.drop();
    if (!sameMac(eth.dst, NAT_GATEWAY_MAC) && !sameMac(eth.dst, BROADCAST_MAC)) return; // not for us
    if (eth.type === ETHERTYPE_ARP) return this.handleArp(eth.src, eth.payload);
    if (eth.type !== ETHERTYPE_IPV4) return this.drop();
    const ip = parseIpv4(eth.payload);
    if (typeof ip === 'string') return this.drop();
    if (ip.src !== 0 && this.inNetwork(ip.src)) this.neighbours.set(ip.src, eth.src.slice());
    if (ip.protocol === IPPROTO_UDP) return this.handleUdp(eth.src, ip);
    if (ip.protocol === IPPROTO_TCP) return this.handleTcp(ip);
    if (ip.protocol === IPPROTO_ICMP) {
      if (ip.dst !== NAT_GATEWAY && ip.dst !== NAT_DNS) return; // no raw ICMP on the host without root
      const reply = icmpEchoReply(ip);
      if (reply === undefined) return this.drop();
      return this.output(ip.src, reply);
    }
    this.drop();
  }

  /** The guest address a port forward connects to: the first DHCP address. */
  get guestIp(): number {
    return NAT_GUEST;
  }

  /** Open a TCP connection from the gateway to the guest (a port forward); returns it. */
  connectToGuest(guestIp: number, guestPort: number, socket: Socket): TcpConnection {
    const localPort = this.allocatePort();
    const key = tcpKey(guestIp, guestPort, NAT_GATEWAY, localPort);
    const conn = this.makeConnection(
      key,
      { ip: NAT_GATEWAY, port: localPort },
      { ip: guestIp, port: guestPort },
      socket,
    );
    socket.pause();
    conn.connect();
    if (!this.neighbours.has(guestIp)) this.arpRequest(guestIp);
    return conn;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const conn of this.tcp.values()) conn.abort();
    this.tcp.clear();
    for (const flow of this.udp.values()) {
      clearTimeout(flow.timer);
      flow.socket.close();
    }
    this.udp.clear();
  }

  private drop(): void {
    this.stats.dropped++;
  }

  private inNetwork(ip: number): boolean {
    return (ip & NAT_NETMASK) >>> 0 === NAT_NETWORK;
  }

  private allocatePort(): number {
    const port = this.nextPort;
    this.nextPort = this.nextPort >= 60999 ? 40000 : this.nextPort + 1;
    return port;
  }

  /** Send an IPv4 packet to guest `dst` (broadcast for 255.255.255.255 or an unknown guest). */
  private output(dst: number, packet: Uint8Array): void {
    if (this.closed) return;
    const mac = dst === 0xffffffff ? BROADCAST_MAC : this.neighbours.get(dst);
    if (mac === undefined) {
      this.arpRequest(dst);
      return; // the sender retransmits once the guest has answered
    }
    this.stats.framesOut++;
    this.onReceive?.(buildEthernet(mac, NAT_GATEWAY_MAC, ETHERTYPE_IPV4, packet));
  }

  private arpRequest(ip: number): void {
    const request = buildArp({
      op: ARP_REQUEST,
      senderMac: NAT_GATEWAY_MAC,
      senderIp: NAT_GATEWAY,
      targetMac: new Uint8Array(6),
      targetIp: ip,
    });
    this.onReceive?.(buildEthernet(BROADCAST_MAC, NAT_GATEWAY_MAC, ETHERTYPE_ARP, request));
  }

  private handleArp(srcMac: Uint8Array, payload: Uint8Array): void {
    const arp = parseArp(payload);
    if (arp === undefined) return this.drop();
    if (arp.senderIp !== 0 && this.inNetwork(arp.senderIp))
      this.neighbours.set(arp.senderIp, arp.senderMac.slice());
    for (const ip of [NAT_GATEWAY, NAT_DNS]) {
      const reply = arpReply(arp, ip, NAT_GATEWAY_MAC);
      if (reply !== undefined) {
        this.stats.framesOut++;
        this.onReceive?.(buildEthernet(srcMac, NAT_GATEWAY_MAC, ETHERTYPE_ARP, reply));
      }
    }
  }

  // --- UDP: DHCP, DNS, and everything else relayed ---------------------------------------------

  private handleUdp(srcMac: Uint8Array, ip: Ipv4Packet): void {
    const udp = parseUdp(ip);
    if (udp === undefined) return this.drop();
    if (udp.dstPort === DHCP_SERVER_PORT && (ip.dst === 0xffffffff || ip.dst === NAT_GATEWAY)) {
      const reply = this.dhcp.handle(udp.payload);
      if (reply === undefined) return;
      const packet = buildUdp(NAT_GATEWAY, DHCP_SERVER_PORT, 0xffffffff, DHCP_CLIENT_PORT, reply.payload);
      this.stats.framesOut++;
      // Broadcast to the client's MAC: it has no address yet (RFC 2131 4.1 allows either).
      this.onReceive?.(buildEthernet(srcMac, NAT_GATEWAY_MAC, ETHERTYPE_IPV4, packet));
      return;
    }
    if (ip.dst === NAT_DNS) {
      if (udp.dstPort !== DNS_PORT) return;
      this.stats.dnsQueries++;
      const guest = ip.src;
      const port = udp.srcPort;
      answerDnsQuery(udp.payload, this.resolver).then(
        (answer) => {
          if (answer !== undefined) this.output(guest, buildUdp(NAT_DNS, DNS_PORT, guest, port, answer));
        },
        () => undefined,
      );
      return;
    }
    if (ip.dst === 0xffffffff || (ip.dst & 0xff) === 0xff) return; // broadcasts stay on the segment
    const host = this.hostAddress(ip.dst);
    if (host === undefined) return this.drop();
    this.stats.udpDatagrams++;
    const flow = this.udpFlow(ip.src, udp.srcPort);
    flow.socket.send(udp.payload, udp.dstPort, host);
  }

  private udpFlow(guestIp: number, guestPort: number): UdpFlow {
    const key = `${guestIp}:${guestPort}`;
    let flow = this.udp.get(key);
    if (flow !== undefined) {
      flow.timer.refresh();
      return flow;
    }
    const socket = createSocket('udp4');
    const expire = () => {
      this.udp.delete(key);
      socket.close();
    };
    const timer = setTimeout(expire, UDP_IDLE_MS);
    timer.unref();
    flow = { socket, guestIp, guestPort, timer };
    socket.on('message', (message, rinfo) => {
      if (rinfo.family !== 'IPv4') return;
      const from = rinfo.address === this.hostLoopback ? NAT_GATEWAY : ipFromString(rinfo.address);
      timer.refresh();
      this.output(guestIp, buildUdp(from, rinfo.port, guestIp, guestPort, message));
    });
    socket.on('error', (err) => {
      this.options.log?.(`udp relay: ${err.message}`);
      clearTimeout(timer);
      this.udp.delete(key);
      socket.close();
    });
    this.udp.set(key, flow);
    return flow;
  }

  /** The host address a guest destination stands for, or undefined when it has none. */
  private hostAddress(dst: number): string | undefined {
    if (dst === NAT_GATEWAY) return this.hostLoopback;
    if (this.inNetwork(dst)) return undefined; // other addresses of the virtual network
    const first = dst >>> 24;
    if (first === 0 || first === 127 || first >= 224) return undefined;
    return ipToString(dst);
  }

  // --- TCP --------------------------------------------------------------------------------------

  private handleTcp(ip: Ipv4Packet): void {
    const seg = parseTcp(ip);
    if (seg === undefined) return this.drop();
    const key = tcpKey(ip.src, seg.srcPort, ip.dst, seg.dstPort);
    const conn = this.tcp.get(key);
    if (conn !== undefined) {
      if (this.connecting.has(key)) return; // SYN retransmitted while the host connects: wait
      conn.input(seg);
      return;
    }
    if ((seg.flags & (TCP_SYN | TCP_ACK)) === TCP_SYN) {
      this.openFromGuest(key, ip, seg);
      return;
    }
    const reset = resetFor(ip, seg);
    if (reset !== undefined) this.output(ip.src, reset);
  }

  private openFromGuest(key: string, ip: Ipv4Packet, syn: TcpSegment): void {
    const host = this.hostAddress(ip.dst);
    const refuse = () => {
      const reset = resetFor(ip, syn);
      if (reset !== undefined) this.output(ip.src, reset);
    };
    if (host === undefined) return refuse();
    this.stats.tcpConnections++;
    const socket = createConnection({ host, port: syn.dstPort, allowHalfOpen: true });
    const conn = this.makeConnection(
      key,
      { ip: ip.dst, port: syn.dstPort },
      { ip: ip.src, port: syn.srcPort },
      socket,
    );
    this.connecting.add(key);
    socket.once('connect', () => {
      this.connecting.delete(key);
      conn.acceptSyn(syn);
    });
    socket.once('error', () => {
      if (this.connecting.delete(key)) {
        this.tcp.delete(key);
        refuse();
      }
    });
  }

  /** A connection relayed through `socket`, registered under `key`. */
  private makeConnection(
    key: string,
    local: { ip: number; port: number },
    remote: { ip: number; port: number },
    socket: Socket,
  ): TcpConnection {
    let socketEnded = false;
    const conn = new TcpConnection({
      local,
      remote,
      initialRtoMs: this.options.tcp?.initialRtoMs,
      minRtoMs: this.options.tcp?.minRtoMs,
      output: (packet) => this.output(remote.ip, packet),
      onEstablished: () => socket.resume(),
      onData: (data) => {
        if (!socket.destroyed) socket.write(data);
      },
      hostBacklog: () => socket.writableLength,
      onFin: () => {
        if (!socket.destroyed) socket.end();
      },
      onDrain: () => socket.resume(),
      onClose: (reason) => {
        this.tcp.delete(key);
        this.connecting.delete(key);
        if (reason !== 'closed') socket.destroy();
        else if (socketEnded) socket.end();
      },
    });
    this.tcp.set(key, conn);
    socket.on('data', (data: Buffer) => {
      conn.write(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      if (conn.buffered > 256 * 1024) socket.pause();
    });
    socket.on('drain', () => conn.windowUpdate());
    socket.on('end', () => {
      socketEnded = true;
      conn.end();
    });
    socket.on('error', (err) => {
      if (!this.connecting.has(key))
        this.options.log?.(`tcp relay ${ipToString(remote.ip)}:${remote.port}: ${err.message}`);
    });
    socket.on('close', () => {
      if (conn.state !== 'CLOSED' && !this.connecting.has(key)) {
        // The host side went away without a clean close of both directions.
        if (!socketEnded) conn.abort();
      }
    });
    return conn;
  }
}
