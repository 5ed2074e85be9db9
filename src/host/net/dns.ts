// A DNS forwarder (RFC 1035) for the user-mode network: the guest's queries to 10.0.2.3 are
// answered from the host's resolver. A queries get the host's IPv4 addresses; a name the host
// cannot resolve gets NXDOMAIN; other query types of a known name get an empty answer.

import { promises as dnsPromises } from 'node:dns';

export const DNS_PORT = 53;
const TYPE_A = 1;
const CLASS_IN = 1;
const RCODE_NOERROR = 0;
const RCODE_FORMERR = 1;
const RCODE_SERVFAIL = 2;
const RCODE_NXDOMAIN = 3;
const RCODE_NOTIMP = 4;
const ANSWER_TTL = 60;

export interface DnsQuestion {
  id: number;
  /** Flags of the query (RD is echoed). */
  flags: number;
  name: string;
  type: number;
  klass: number;
  /** The question section as received (copied into the answer). */
  questionBytes: Uint8Array;
}

/** Parse a standard query with exactly one question; undefined when it is anything else. */
export function parseDnsQuery(data: Uint8Array): DnsQuestion | undefined {
  if (data.length < 12) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const flags = view.getUint16(2);
  if (flags & 0x8000) return undefined; // a response
  if (view.getUint16(4) !== 1) return undefined;
  const labels: string[] = [];
  let at = 12;
  for (;;) {
    if (at >= data.length) return undefined;
    const length = data[at++];
    if (length === 0) break;
    if (length > 63 || at + length > data.length) return undefined; // no compression in a question
    labels.push(String.fromCharCode(...data.subarray(at, at + length)));
    at += length;
  }
  if (at + 4 > data.length) return undefined;
  const name = labels.join('.');
  if (name.length > 253) return undefined;
  return {
    id: view.getUint16(0),
    flags,
    name,
    type: view.getUint16(at),
    klass: view.getUint16(at + 2),
    questionBytes: data.slice(12, at + 4),
  };
}

/** A response to `q` with `rcode` and A records for `addresses` (IPv4 as numbers). */
export function buildDnsResponse(
  q: DnsQuestion,
  rcode: number,
  addresses: readonly number[] = [],
): Uint8Array {
  const out = new Uint8Array(12 + q.questionBytes.length + 16 * addresses.length);
  const view = new DataView(out.buffer);
  view.setUint16(0, q.id);
  // QR, opcode of the query, RD copied, RA set.
  view.setUint16(2, 0x8000 | (q.flags & 0x7900) | 0x0080 | rcode);
  view.setUint16(4, 1);
  view.setUint16(6, addresses.length);
  out.set(q.questionBytes, 12);
  let at = 12 + q.questionBytes.length;
  for (const ip of addresses) {
    view.setUint16(at, 0xc00c); // pointer to the name in the question
    view.setUint16(at + 2, TYPE_A);
    view.setUint16(at + 4, CLASS_IN);
    view.setUint32(at + 6, ANSWER_TTL);
    view.setUint16(at + 10, 4);
    view.setUint32(at + 12, ip);
    at += 16;
  }
  return out;
}

/** A header-only error response for a query that could not be parsed (when it has an id). */
function formErr(data: Uint8Array): Uint8Array | undefined {
  if (data.length < 12 || data[2] & 0x80) return undefined;
  const out = new Uint8Array(12);
  out[0] = data[0];
  out[1] = data[1];
  out[2] = 0x80 | (data[2] & 0x79);
  out[3] = 0x80 | RCODE_FORMERR;
  return out;
}

/** IPv4 addresses of `name`, [] when it does not exist; throws for other failures. */
export type HostResolver = (name: string) => Promise<number[]>;

export const systemResolver: HostResolver = async (name) => {
  try {
    const results = await dnsPromises.lookup(name, { family: 4, all: true });
    return results.map((r) => {
      const p = r.address.split('.').map(Number);
      return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTFOUND' || code === 'ENODATA') return [];
    throw err;
  }
};

/** Answer one query (the UDP payload); undefined when no answer is due. */
export async function answerDnsQuery(
  data: Uint8Array,
  resolve: HostResolver,
): Promise<Uint8Array | undefined> {
  const q = parseDnsQuery(data);
  if (q === undefined) return formErr(data);
  if ((q.flags & 0x7800) !== 0) return buildDnsResponse(q, RCODE_NOTIMP); // only standard queries
  if (q.klass !== CLASS_IN || q.name === '') return buildDnsResponse(q, RCODE_NOTIMP);
  let addresses: number[];
  try {
    addresses = await resolve(q.name);
  } catch {
    return buildDnsResponse(q, RCODE_SERVFAIL);
  }
  if (addresses.length === 0) return buildDnsResponse(q, RCODE_NXDOMAIN);
  return buildDnsResponse(q, RCODE_NOERROR, q.type === TYPE_A ? addresses.slice(0, 16) : []);
}
