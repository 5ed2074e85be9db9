// Checksums, ARP, DHCP and DNS of the user-mode network, byte by byte.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildIpv4,
  buildUdp,
  icmpEchoReply,
  internetChecksum,
  ipFromString,
  ipToString,
  parseIpv4,
  parseUdp,
  transportChecksum,
  IPPROTO_ICMP,
  IPPROTO_UDP,
} from './packet.js';
import { ARP_REPLY, ARP_REQUEST, arpReply, buildArp, parseArp } from './arp.js';
import { DHCPACK, DHCPNAK, DHCPOFFER, DhcpServer, parseDhcp } from './dhcp.js';
import { answerDnsQuery, parseDnsQuery } from './dns.js';

test('Internet checksum: RFC 1071 example and a known IPv4 header', () => {
  // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (checksum 220d).
  assert.equal(internetChecksum(Uint8Array.of(0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7)), 0x220d);
  // A captured header (checksum b861 in bytes 10-11).
  const header = Uint8Array.from(Buffer.from('450000730000400040110000c0a80001c0a800c7', 'hex'));
  assert.equal(internetChecksum(header), 0xb861);
  header[10] = 0xb8;
  header[11] = 0x61;
  assert.equal(internetChecksum(header), 0);
  // Odd length pads with a zero byte.
  assert.equal(internetChecksum(Uint8Array.of(0x12)), ~0x1200 & 0xffff);
});

test('built IPv4/UDP packets verify; corrupting a byte is detected', () => {
  const src = ipFromString('10.0.2.15');
  const dst = ipFromString('10.0.2.2');
  const packet = buildUdp(src, 1234, dst, 53, Uint8Array.from([1, 2, 3, 4, 5]));
  const ip = parseIpv4(packet);
  assert.ok(typeof ip !== 'string');
  assert.equal(ip.protocol, IPPROTO_UDP);
  assert.equal(ipToString(ip.src), '10.0.2.15');
  const udp = parseUdp(ip);
  assert.deepEqual(udp && [udp.srcPort, udp.dstPort, [...udp.payload]], [1234, 53, [1, 2, 3, 4, 5]]);
  assert.equal(transportChecksum(ip.src, ip.dst, IPPROTO_UDP, ip.payload), 0);
  const bad = Uint8Array.from(packet);
  bad[bad.length - 1] ^= 1;
  const badIp = parseIpv4(bad);
  assert.ok(typeof badIp !== 'string');
  assert.equal(parseUdp(badIp), undefined);
  const badHeader = Uint8Array.from(packet);
  badHeader[8] ^= 1;
  assert.equal(parseIpv4(badHeader), 'header-checksum');
  assert.equal(parseIpv4(packet.subarray(0, 10)), 'short');
  const fragment = Uint8Array.from(packet);
  fragment[6] = 0x20; // more fragments
  fragment[10] = fragment[11] = 0;
  const c = internetChecksum(fragment.subarray(0, 20));
  fragment[10] = c >> 8;
  fragment[11] = c & 0xff;
  assert.equal(parseIpv4(fragment), 'fragment');
});

test('ICMP echo request gets a reply with a valid checksum', () => {
  const echo = Uint8Array.of(8, 0, 0, 0, 0x12, 0x34, 0, 1, 0xde, 0xad);
  const c = internetChecksum(echo);
  echo[2] = c >> 8;
  echo[3] = c & 0xff;
  const ip = parseIpv4(buildIpv4(ipFromString('10.0.2.15'), ipFromString('10.0.2.2'), IPPROTO_ICMP, echo));
  assert.ok(typeof ip !== 'string');
  const reply = icmpEchoReply(ip);
  assert.ok(reply !== undefined);
  const back = parseIpv4(reply);
  assert.ok(typeof back !== 'string');
  assert.equal(ipToString(back.dst), '10.0.2.15');
  assert.equal(back.payload[0], 0);
  assert.equal(internetChecksum(back.payload), 0);
  assert.deepEqual([...back.payload.subarray(4)], [0x12, 0x34, 0, 1, 0xde, 0xad]);
});

test('ARP: a request for the gateway is answered, others are not', () => {
  const guestMac = Uint8Array.of(0x52, 0x54, 0, 1, 2, 3);
  const gwMac = Uint8Array.of(0x52, 0x55, 10, 0, 2, 2);
  const request = buildArp({
    op: ARP_REQUEST,
    senderMac: guestMac,
    senderIp: ipFromString('10.0.2.15'),
    targetMac: new Uint8Array(6),
    targetIp: ipFromString('10.0.2.2'),
  });
  const parsed = parseArp(request);
  assert.ok(parsed);
  const reply = arpReply(parsed, ipFromString('10.0.2.2'), gwMac);
  assert.ok(reply);
  const r = parseArp(reply);
  assert.ok(r);
  assert.equal(r.op, ARP_REPLY);
  assert.deepEqual([...r.senderMac], [...gwMac]);
  assert.equal(ipToString(r.senderIp), '10.0.2.2');
  assert.deepEqual([...r.targetMac], [...guestMac]);
  assert.equal(arpReply(parsed, ipFromString('10.0.2.9'), gwMac), undefined);
  assert.equal(parseArp(request.subarray(0, 20)), undefined);
});

function dhcpMessage(type: number, mac: Uint8Array, extra: number[] = []): Uint8Array {
  const m = new Uint8Array(300);
  m[0] = 1;
  m[1] = 1;
  m[2] = 6;
  m.set([0xca, 0xfe, 0xba, 0xbe], 4);
  m.set(mac, 28);
  m.set([99, 130, 83, 99], 236);
  m.set([53, 1, type, ...extra, 255], 240);
  return m;
}

test('DHCP: DISCOVER → OFFER 10.0.2.15 with router, DNS, mask, lease; REQUEST → ACK; wrong address → NAK', () => {
  const server = new DhcpServer({
    serverIp: ipFromString('10.0.2.2'),
    router: ipFromString('10.0.2.2'),
    dns: ipFromString('10.0.2.3'),
    netmask: ipFromString('255.255.255.0'),
    poolStart: ipFromString('10.0.2.15'),
    poolSize: 4,
    leaseSeconds: 3600,
  });
  const mac = Uint8Array.of(0x52, 0x54, 0, 0xaa, 0xbb, 0xcc);
  const offer = server.handle(dhcpMessage(1, mac));
  assert.ok(offer);
  assert.equal(offer.type, DHCPOFFER);
  assert.equal(ipToString(offer.yiaddr), '10.0.2.15');
  const parsed = parseDhcp(offer.payload);
  assert.ok(parsed);
  assert.equal(parsed.op, 2);
  assert.equal(parsed.xid, 0xcafebabe);
  assert.deepEqual([...parsed.chaddr], [...mac]);
  assert.deepEqual([...parsed.options.get(3)!], [10, 0, 2, 2]);
  assert.deepEqual([...parsed.options.get(6)!], [10, 0, 2, 3]);
  assert.deepEqual([...parsed.options.get(1)!], [255, 255, 255, 0]);
  assert.deepEqual([...parsed.options.get(51)!], [0, 0, 0x0e, 0x10]);
  assert.deepEqual([...parsed.options.get(54)!], [10, 0, 2, 2]);
  const ack = server.handle(dhcpMessage(3, mac, [50, 4, 10, 0, 2, 15, 54, 4, 10, 0, 2, 2]));
  assert.equal(ack?.type, DHCPACK);
  assert.equal(ipToString(ack.yiaddr), '10.0.2.15');
  const nak = server.handle(dhcpMessage(3, mac, [50, 4, 10, 0, 2, 99]));
  assert.equal(nak?.type, DHCPNAK);
  // A second client gets the next address; a request naming another server is ignored.
  const other = server.handle(dhcpMessage(1, Uint8Array.of(0x52, 0x54, 0, 1, 1, 1)));
  assert.equal(ipToString(other!.yiaddr), '10.0.2.16');
  assert.equal(server.handle(dhcpMessage(3, mac, [54, 4, 10, 0, 2, 7])), undefined);
  // Garbage: truncated, bad cookie, option running past the end.
  assert.equal(server.handle(new Uint8Array(100)), undefined);
  const broken = dhcpMessage(1, mac);
  broken.set([12, 200], 243);
  assert.equal(server.handle(broken.subarray(0, 250)), undefined);
});

function dnsQuery(name: string, type: number, id = 0x1234): Uint8Array {
  const labels = name.split('.').flatMap((l) => [l.length, ...Buffer.from(l)]);
  return Uint8Array.from([
    id >> 8,
    id & 0xff,
    0x01,
    0x00,
    0,
    1,
    0,
    0,
    0,
    0,
    0,
    0,
    ...labels,
    0,
    0,
    type,
    0,
    1,
  ]);
}

test('DNS: A query answered from the resolver, unknown name → NXDOMAIN, AAAA → empty, junk → FORMERR', async () => {
  const resolver = async (name: string) => (name === 'test.example' ? [ipFromString('192.0.2.7')] : []);
  const answer = await answerDnsQuery(dnsQuery('test.example', 1), resolver);
  assert.ok(answer);
  const view = new DataView(answer.buffer);
  assert.equal(view.getUint16(0), 0x1234);
  assert.equal(view.getUint16(2) & 0x800f, 0x8000); // response, NOERROR
  assert.equal(view.getUint16(2) & 0x0100, 0x0100); // RD echoed
  assert.equal(view.getUint16(6), 1);
  assert.deepEqual([...answer.subarray(answer.length - 4)], [192, 0, 2, 7]);
  assert.equal(parseDnsQuery(dnsQuery('test.example', 1))?.name, 'test.example');
  const nx = await answerDnsQuery(dnsQuery('nope.example', 1), resolver);
  assert.equal(nx![3] & 0x0f, 3);
  const aaaa = await answerDnsQuery(dnsQuery('test.example', 28), resolver);
  assert.equal(aaaa![3] & 0x0f, 0);
  assert.equal(new DataView(aaaa!.buffer).getUint16(6), 0);
  const failing = await answerDnsQuery(dnsQuery('x.example', 1), () => Promise.reject(new Error('down')));
  assert.equal(failing![3] & 0x0f, 2);
  const junk = Uint8Array.from([0xab, 0xcd, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 200, 1, 2]);
  const formerr = await answerDnsQuery(junk, resolver);
  assert.equal(formerr![3] & 0x0f, 1);
  assert.equal(await answerDnsQuery(new Uint8Array(3), resolver), undefined);
});
