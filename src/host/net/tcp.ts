// TCP (RFC 793, retransmission timer of RFC 6298) for the user-mode network. A TcpConnection is the
// host's end of one guest connection: the NAT terminates the guest's TCP here and relays the byte
// stream through a host socket. It handles the three-way handshake both ways (the guest connects
// out, or a port forward connects in), in-order data both ways with sequence and acknowledgement
// numbers, the peer's window (with a persist probe when it is zero), retransmission of
// unacknowledged data on timeout and after three duplicate ACKs, FIN in both directions and RST.
// Out-of-order segments are not queued: they are answered with a duplicate ACK and the guest
// retransmits. No window scaling, SACK or timestamps are negotiated.

import { ByteQueue } from './byte-queue.js';
import { IPPROTO_TCP, buildIpv4, transportChecksum, type Ipv4Packet } from './packet.js';

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

export interface TcpSegment {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  /** MSS option (SYN segments), when present. */
  mss: number | undefined;
  payload: Uint8Array;
}

/** Parse a TCP segment from an IPv4 packet; undefined when short or its checksum is wrong. */
export function parseTcp(ip: Ipv4Packet): TcpSegment | undefined {
  const data = ip.payload;
  if (data.length < 20) return undefined;
  const offset = (data[12] >> 4) * 4;
  if (offset < 20 || offset > data.length) return undefined;
  if (transportChecksum(ip.src, ip.dst, IPPROTO_TCP, data) !== 0) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let mss: number | undefined;
  for (let at = 20; at < offset;) {
    const kind = data[at];
    if (kind === 0) break;
    if (kind === 1) {
      at++;
      continue;
    }
    if (at + 1 >= offset) break;
    const length = data[at + 1];
    if (length < 2 || at + length > offset) break;
    if (kind === 2 && length === 4) mss = view.getUint16(at + 2);
    at += length;
  }
  return {
    srcPort: view.getUint16(0),
    dstPort: view.getUint16(2),
    seq: view.getUint32(4),
    ack: view.getUint32(8),
    flags: data[13] & 0x3f,
    window: view.getUint16(14),
    mss,
    payload: data.subarray(offset),
  };
}

export interface TcpAddress {
  ip: number;
  port: number;
}

/** A whole IPv4 packet carrying one TCP segment from `src` to `dst`. */
export function buildTcp(
  src: TcpAddress,
  dst: TcpAddress,
  seq: number,
  ack: number,
  flags: number,
  window: number,
  payload: Uint8Array = new Uint8Array(0),
  mss?: number,
): Uint8Array {
  const headerLength = mss === undefined ? 20 : 24;
  const segment = new Uint8Array(headerLength + payload.length);
  const view = new DataView(segment.buffer);
  view.setUint16(0, src.port);
  view.setUint16(2, dst.port);
  view.setUint32(4, seq >>> 0);
  view.setUint32(8, ack >>> 0);
  segment[12] = (headerLength / 4) << 4;
  segment[13] = flags;
  view.setUint16(14, Math.max(0, Math.min(0xffff, window)));
  if (mss !== undefined) {
    segment[20] = 2;
    segment[21] = 4;
    view.setUint16(22, mss);
  }
  segment.set(payload, headerLength);
  view.setUint16(16, transportChecksum(src.ip, dst.ip, IPPROTO_TCP, segment));
  return buildIpv4(src.ip, dst.ip, IPPROTO_TCP, segment);
}

/** a < b in sequence space (RFC 793 3.3, modulo 2^32). */
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

export function seqLe(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

export type TcpState =
  | 'CLOSED'
  | 'SYN_SENT'
  | 'SYN_RCVD'
  | 'ESTABLISHED'
  | 'FIN_WAIT_1'
  | 'FIN_WAIT_2'
  | 'CLOSE_WAIT'
  | 'CLOSING'
  | 'LAST_ACK'
  | 'TIME_WAIT';

export type TcpCloseReason = 'closed' | 'reset' | 'timeout' | 'aborted';

export interface TcpConnectionOptions {
  /** The host's end (the address the guest sees: the remote server, or the gateway for a forward). */
  local: TcpAddress;
  /** The guest's end. */
  remote: TcpAddress;
  /** Sends an IPv4 packet to the guest. */
  output: (packet: Uint8Array) => void;
  /** Bytes the guest sent, in order. */
  onData?: (data: Uint8Array) => void;
  /** The guest closed its direction (FIN). */
  onFin?: () => void;
  /** The handshake finished. */
  onEstablished?: () => void;
  /** The connection is gone (called once). */
  onClose?: (reason: TcpCloseReason) => void;
  /** Host data waiting for the guest fell below the low-water mark after being above it. */
  onDrain?: () => void;
  /** Bytes received from the guest but not yet taken by the host (shrinks the advertised window). */
  hostBacklog?: () => number;
  /** Initial send sequence number (default random). */
  iss?: number;
  /** Initial and minimum retransmission timeouts, ms (defaults 1000 and 200). */
  initialRtoMs?: number;
  minRtoMs?: number;
  /** Retransmissions of one segment before the connection is abandoned (default 12). */
  maxRetries?: number;
  /** How long TIME_WAIT lasts, ms (default 2000). */
  timeWaitMs?: number;
}

/** The MSS the host announces: an Ethernet MTU of 1500 minus IPv4 and TCP headers. */
export const HOST_MSS = 1460;
/** Receive window (no window scaling: at most 65535). */
export const RECEIVE_WINDOW = 65535;
/** Host data queued for the guest above which the host side should pause its socket. */
export const SEND_HIGH_WATER = 256 * 1024;
const SEND_LOW_WATER = 64 * 1024;
const MAX_RTO_MS = 30_000;

export class TcpConnection {
  state: TcpState = 'CLOSED';
  readonly local: TcpAddress;
  readonly remote: TcpAddress;
  /** Counters for tests and statistics. */
  retransmissions = 0;
  /** The window the peer advertised last (bytes it will take beyond what it acknowledged). */
  get peerWindow(): number {
    return this.sndWnd;
  }
  private readonly o: TcpConnectionOptions;
  private readonly iss: number;
  private sndUna: number;
  private sndNxt: number;
  private sndWnd = 0;
  private rcvNxt = 0;
  private mss = 536;
  /** Host data from sndUna on (in flight, then not yet sent). */
  private readonly sendBuffer = new ByteQueue();
  private finQueued = false;
  private finSent = false;
  private dupAcks = 0;
  private retries = 0;
  private rto: number;
  private srtt: number | undefined;
  private rttvar = 0;
  /** The segment being timed (its end sequence number and when it was sent). */
  private timing: { seq: number; at: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastAdvertised = RECEIVE_WINDOW;
  private aboveHighWater = false;
  private closed = false;

  constructor(options: TcpConnectionOptions) {
    this.o = options;
    this.local = options.local;
    this.remote = options.remote;
    this.iss = (options.iss ?? Math.floor(Math.random() * 0x1_0000_0000)) >>> 0;
    this.sndUna = this.iss;
    this.sndNxt = this.iss;
    this.rto = options.initialRtoMs ?? 1000;
  }

  /** Bytes of host data not yet acknowledged by the guest. */
  get buffered(): number {
    return this.sendBuffer.length;
  }

  /** Answer the guest's SYN (passive open): send SYN-ACK and wait for its ACK. */
  acceptSyn(syn: TcpSegment): void {
    if (this.state !== 'CLOSED') return;
    this.rcvNxt = seqAdd(syn.seq, 1);
    this.sndWnd = syn.window;
    this.mss = Math.min(syn.mss ?? 536, HOST_MSS);
    this.state = 'SYN_RCVD';
    this.sndNxt = seqAdd(this.iss, 1);
    this.sendSyn();
  }

  /** Open a connection to the guest (active open, for a port forward). */
  connect(): void {
    if (this.state !== 'CLOSED') return;
    this.state = 'SYN_SENT';
    this.sndNxt = seqAdd(this.iss, 1);
    this.sendSyn();
  }

  /** Host data for the guest. */
  write(data: Uint8Array): void {
    if (this.closed || this.finQueued || data.length === 0) return;
    this.sendBuffer.append(data);
    if (this.sendBuffer.length > SEND_HIGH_WATER) this.aboveHighWater = true;
    this.trySend();
  }

  /** The host closed its direction: send FIN once all data is out. */
  end(): void {
    if (this.closed || this.finQueued) return;
    this.finQueued = true;
    this.trySend();
  }

  /** Drop the connection, telling the guest with RST. */
  abort(): void {
    if (this.closed) return;
    if (this.state !== 'SYN_SENT' && this.state !== 'TIME_WAIT') {
      this.emit(this.sndNxt, this.rcvNxt, TCP_RST | TCP_ACK);
    }
    this.close('aborted');
  }

  /** The host took data it was holding: advertise the larger window if it grew noticeably. */
  windowUpdate(): void {
    if (this.closed) return;
    const window = this.receiveWindow();
    if (window >= this.lastAdvertised + 2 * this.mss || (this.lastAdvertised === 0 && window > 0))
      this.sendAck();
  }

  /** A segment from the guest addressed to this connection. */
  input(seg: TcpSegment): void {
    if (this.closed) return;
    if (this.state === 'SYN_SENT') {
      this.inputSynSent(seg);
      return;
    }
    // Acceptability (RFC 793 p. 69), simplified: RST must carry a sequence number in the window.
    if (seg.flags & TCP_RST) {
      const offset = (seg.seq - this.rcvNxt) >>> 0;
      if (offset < Math.max(1, this.receiveWindow())) this.close('reset');
      return;
    }
    if (seg.flags & TCP_SYN) {
      // The guest retransmitted its SYN (our SYN-ACK was lost) or is confused: repeat ours / ACK.
      if (this.state === 'SYN_RCVD' && seqAdd(seg.seq, 1) === this.rcvNxt) this.sendSyn();
      else this.sendAck();
      return;
    }
    if ((seg.flags & TCP_ACK) === 0) return;
    if (this.state === 'SYN_RCVD') {
      if (seg.ack !== this.sndNxt) {
        this.emit(seg.ack, 0, TCP_RST);
        return;
      }
      this.sndUna = this.sndNxt;
      this.sndWnd = seg.window;
      this.establish();
    }
    this.processAck(seg);
    if (this.closed) return;
    this.processData(seg);
    if (this.closed) return;
    this.trySend();
  }

  private inputSynSent(seg: TcpSegment): void {
    const ackOk = (seg.flags & TCP_ACK) !== 0 && seg.ack === this.sndNxt;
    if (seg.flags & TCP_RST) {
      if (ackOk) this.close('reset');
      return;
    }
    if ((seg.flags & TCP_ACK) !== 0 && !ackOk) {
      this.emit(seg.ack, 0, TCP_RST);
      return;
    }
    if ((seg.flags & TCP_SYN) === 0 || !ackOk) return; // simultaneous open is not supported
    this.rcvNxt = seqAdd(seg.seq, 1);
    this.sndUna = this.sndNxt;
    this.sndWnd = seg.window;
    this.mss = Math.min(seg.mss ?? 536, HOST_MSS);
    this.establish();
    this.sendAck();
    this.trySend();
  }

  private establish(): void {
    this.state = 'ESTABLISHED';
    this.retries = 0;
    this.clearTimer();
    this.o.onEstablished?.();
  }

  private processAck(seg: TcpSegment): void {
    const ack = seg.ack;
    if (seqLt(this.sndNxt, ack)) {
      this.sendAck(); // acknowledges something never sent
      return;
    }
    if (seqLt(this.sndUna, ack)) {
      let acked = (ack - this.sndUna) >>> 0;
      const finAcked = this.finSent && ack === this.sndNxt;
      if (finAcked) acked -= 1;
      this.sendBuffer.consume(acked);
      this.sndUna = ack;
      this.dupAcks = 0;
      this.retries = 0;
      if (this.timing !== undefined && seqLe(this.timing.seq, ack)) {
        this.sampleRtt(performance.now() - this.timing.at);
        this.timing = undefined;
      } else if (this.srtt !== undefined) {
        // New data was acknowledged: the path works again, so drop the backoff (as Linux does).
        this.rto = this.computedRto();
      }
      if (this.sndUna === this.sndNxt) this.clearTimer();
      else this.armTimer(true);
      if (this.aboveHighWater && this.sendBuffer.length <= SEND_LOW_WATER) {
        this.aboveHighWater = false;
        this.o.onDrain?.();
      }
      if (finAcked) {
        if (this.state === 'FIN_WAIT_1') this.state = 'FIN_WAIT_2';
        else if (this.state === 'CLOSING') this.enterTimeWait();
        else if (this.state === 'LAST_ACK') {
          this.close('closed');
          return;
        }
      }
    } else if (
      ack === this.sndUna &&
      this.sndUna !== this.sndNxt &&
      seg.payload.length === 0 &&
      (seg.flags & TCP_FIN) === 0 &&
      seg.window === this.sndWnd
    ) {
      // A duplicate ACK: after three, resend the first unacknowledged segment (fast retransmit).
      if (++this.dupAcks === 3) this.retransmitFirst();
    }
    this.sndWnd = seg.window;
  }

  private processData(seg: TcpSegment): void {
    let payload = seg.payload;
    let seq = seg.seq;
    const fin = (seg.flags & TCP_FIN) !== 0;
    const receiving =
      this.state === 'ESTABLISHED' || this.state === 'FIN_WAIT_1' || this.state === 'FIN_WAIT_2';
    if (payload.length === 0 && !fin) return;
    if (!receiving) {
      // Data or FIN after the guest's FIN: a retransmission; acknowledge it again.
      this.sendAck();
      return;
    }
    // Trim what was already received.
    if (seqLt(seq, this.rcvNxt)) {
      const old = (this.rcvNxt - seq) >>> 0;
      if (old > payload.length || (old === payload.length && !fin)) {
        this.sendAck(); // entirely old: a retransmission
        return;
      }
      payload = payload.subarray(old);
      seq = this.rcvNxt;
    }
    if (seq !== this.rcvNxt) {
      this.sendAck(); // out of order: ask again for what is missing
      return;
    }
    if (payload.length > 0) {
      this.rcvNxt = seqAdd(this.rcvNxt, payload.length);
      this.o.onData?.(payload.slice());
      if (this.closed) return;
    }
    if (fin) {
      this.rcvNxt = seqAdd(this.rcvNxt, 1);
      if (this.state === 'ESTABLISHED') this.state = 'CLOSE_WAIT';
      else if (this.state === 'FIN_WAIT_1') this.state = 'CLOSING';
      else this.enterTimeWait();
      this.sendAck();
      this.o.onFin?.();
      return;
    }
    this.sendAck();
  }

  /** Send new data and, once everything is out, the FIN, as far as the guest's window allows. */
  private trySend(): void {
    if (this.closed) return;
    const sending =
      this.state === 'ESTABLISHED' ||
      this.state === 'CLOSE_WAIT' ||
      this.state === 'FIN_WAIT_1' ||
      this.state === 'LAST_ACK';
    if (!sending || this.finSent) return;
    for (;;) {
      const inFlight = (this.sndNxt - this.sndUna) >>> 0;
      const unsent = this.sendBuffer.length - inFlight;
      const room = this.sndWnd - inFlight;
      if (unsent <= 0 || room <= 0) break;
      const n = Math.min(unsent, room, this.mss);
      // Sender silly-window avoidance: no tiny segments while data is in flight and more is queued.
      if (n < this.mss && n < unsent && inFlight > 0) break;
      const seq = this.sndNxt;
      this.sndNxt = seqAdd(seq, n); // before the segment leaves: output may loop back at once
      this.sendData(inFlight, n, seq, true);
    }
    const inFlight = (this.sndNxt - this.sndUna) >>> 0;
    if (this.finQueued && inFlight === this.sendBuffer.length) {
      const seq = this.sndNxt;
      this.sndNxt = seqAdd(seq, 1);
      this.finSent = true;
      this.state = this.state === 'CLOSE_WAIT' ? 'LAST_ACK' : 'FIN_WAIT_1';
      this.emit(seq, this.rcvNxt, TCP_FIN | TCP_ACK);
    }
    if (this.sndUna !== this.sndNxt) this.armTimer(false);
    else if (this.sendBuffer.length > 0 && this.sndWnd === 0) this.armTimer(false); // persist
  }

  private sendData(offset: number, length: number, seq: number, fresh = false): void {
    const data = this.sendBuffer.peek(offset, length);
    if (this.timing === undefined && fresh) {
      this.timing = { seq: seqAdd(seq, data.length), at: performance.now() };
    }
    this.emit(seq, this.rcvNxt, TCP_ACK | TCP_PSH, data);
  }

  /** Resend the first unacknowledged segment (SYN, data or FIN). */
  private retransmitFirst(): void {
    this.retransmissions++;
    this.timing = undefined; // Karn: never time a retransmitted segment
    if (this.state === 'SYN_SENT' || this.state === 'SYN_RCVD') {
      this.sendSyn();
      return;
    }
    const inFlight = (this.sndNxt - this.sndUna) >>> 0;
    const dataInFlight = inFlight - (this.finSent ? 1 : 0);
    if (dataInFlight > 0) {
      this.sendData(0, Math.min(dataInFlight, this.mss), this.sndUna);
    } else if (this.finSent) {
      this.emit(this.sndUna, this.rcvNxt, TCP_FIN | TCP_ACK);
    } else if (this.sendBuffer.length > 0) {
      // Zero-window probe: one byte beyond the window.
      this.sndNxt = seqAdd(this.sndUna, 1);
      this.sendData(0, 1, this.sndUna);
    }
  }

  /**
   * After a timeout: resend everything in flight that the window allows (at least one segment),
   * then the FIN if it was sent. Receivers that drop out-of-order segments (as this one does)
   * lost all of it anyway.
   */
  private retransmitFlight(): void {
    if (this.state === 'SYN_SENT' || this.state === 'SYN_RCVD') {
      this.retransmitFirst();
      return;
    }
    const inFlight = (this.sndNxt - this.sndUna) >>> 0;
    const dataInFlight = inFlight - (this.finSent ? 1 : 0);
    if (dataInFlight === 0) {
      this.retransmitFirst();
      return;
    }
    this.retransmissions++;
    this.timing = undefined;
    const limit = Math.min(dataInFlight, Math.max(this.sndWnd, this.mss));
    let offset = 0;
    while (offset < limit) {
      const n = Math.min(this.mss, limit - offset);
      this.sendData(offset, n, seqAdd(this.sndUna, offset));
      offset += n;
    }
    if (this.finSent && offset >= dataInFlight)
      this.emit(seqAdd(this.sndUna, dataInFlight), this.rcvNxt, TCP_FIN | TCP_ACK);
  }

  private onTimeout(): void {
    this.timer = undefined;
    if (this.closed) return;
    if (this.state === 'TIME_WAIT') {
      this.close('closed');
      return;
    }
    if (this.sndUna === this.sndNxt && !(this.sendBuffer.length > 0 && this.sndWnd === 0)) return;
    if (++this.retries > (this.o.maxRetries ?? 12)) {
      this.emit(this.sndNxt, this.rcvNxt, TCP_RST | TCP_ACK);
      this.close('timeout');
      return;
    }
    this.rto = Math.min(this.rto * 2, MAX_RTO_MS);
    this.retransmitFlight();
    this.armTimer(true);
  }

  private sampleRtt(ms: number): void {
    // RFC 6298 2.2 and 2.3.
    if (this.srtt === undefined) {
      this.srtt = ms;
      this.rttvar = ms / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - ms);
      this.srtt = 0.875 * this.srtt + 0.125 * ms;
    }
    this.rto = this.computedRto();
  }

  private computedRto(): number {
    const srtt = this.srtt ?? 0;
    return Math.min(MAX_RTO_MS, Math.max(this.o.minRtoMs ?? 200, srtt + 4 * this.rttvar));
  }

  private armTimer(restart: boolean): void {
    if (this.timer !== undefined && !restart) return;
    this.clearTimer();
    this.timer = setTimeout(() => this.onTimeout(), this.rto);
    this.timer.unref?.();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private enterTimeWait(): void {
    this.state = 'TIME_WAIT';
    this.clearTimer();
    this.timer = setTimeout(() => this.onTimeout(), this.o.timeWaitMs ?? 2000);
    this.timer.unref?.();
  }

  private receiveWindow(): number {
    return Math.max(0, RECEIVE_WINDOW - (this.o.hostBacklog?.() ?? 0));
  }

  private sendSyn(): void {
    const flags = this.state === 'SYN_RCVD' ? TCP_SYN | TCP_ACK : TCP_SYN;
    this.emit(this.iss, this.state === 'SYN_RCVD' ? this.rcvNxt : 0, flags, undefined, HOST_MSS);
    this.armTimer(false);
  }

  private sendAck(): void {
    this.emit(this.sndNxt, this.rcvNxt, TCP_ACK);
  }

  private emit(seq: number, ack: number, flags: number, payload?: Uint8Array, mss?: number): void {
    const window = flags & TCP_RST ? 0 : this.receiveWindow();
    if ((flags & TCP_RST) === 0) this.lastAdvertised = window;
    this.o.output(buildTcp(this.local, this.remote, seq, ack, flags, window, payload, mss));
  }

  private close(reason: TcpCloseReason): void {
    if (this.closed) return;
    this.closed = true;
    this.state = 'CLOSED';
    this.clearTimer();
    this.sendBuffer.clear();
    this.o.onClose?.(reason);
  }
}

/** RFC 793 p. 65: the RST answering a segment that belongs to no connection. */
export function resetFor(ip: Ipv4Packet, seg: TcpSegment): Uint8Array | undefined {
  if (seg.flags & TCP_RST) return undefined;
  const src = { ip: ip.dst, port: seg.dstPort };
  const dst = { ip: ip.src, port: seg.srcPort };
  if (seg.flags & TCP_ACK) return buildTcp(src, dst, seg.ack, 0, TCP_RST, 0);
  const length = seg.payload.length + (seg.flags & TCP_SYN ? 1 : 0) + (seg.flags & TCP_FIN ? 1 : 0);
  return buildTcp(src, dst, 0, seqAdd(seg.seq, length), TCP_RST | TCP_ACK, 0);
}
