// `--drive` specifications, QEMU's syntax: comma-separated key=value pairs, a doubled comma ",,"
// standing for a literal comma in a value. Supported keys:
//   file=PATH          the image (required)
//   format=raw|rvcow   required: guessing a format from an image's content lets a guest that
//                      wrote an rvcow header into its raw disk point the host at any file
//   readonly=on|off    open read-only (the guest sees VIRTIO_BLK_F_RO)
//   snapshot=on|off    writes go to a temporary overlay in os.tmpdir(); the image is untouched
//   if=virtio          accepted for QEMU compatibility (the only interface)
//   serial=TEXT        what GET_ID returns (at most 20 bytes)

import { tmpdir } from 'node:os';
import type { BlockBackend } from '../../engine/block-backend.js';
import { RawFileBackend } from './raw-file.js';
import { OverlayBackend, type BaseFormat } from './overlay.js';

export class DriveSpecError extends Error {}

export interface DriveSpec {
  file: string;
  format: BaseFormat;
  readOnly: boolean;
  snapshot: boolean;
  serial?: string;
}

export interface Drive {
  spec: DriveSpec;
  backend: BlockBackend;
}

const KEYS = ['file', 'format', 'readonly', 'snapshot', 'if', 'serial'];
const FORMATS: readonly BaseFormat[] = ['raw', 'rvcow'];

/** Split on single commas; ",," is a literal comma. */
function splitOptions(text: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch !== ',') {
      current += ch;
    } else if (text[i + 1] === ',') {
      current += ',';
      i++;
    } else {
      parts.push(current);
      current = '';
    }
  }
  parts.push(current);
  return parts;
}

function parseBool(key: string, value: string): boolean {
  switch (value) {
    case 'on':
    case 'yes':
    case 'true':
      return true;
    case 'off':
    case 'no':
    case 'false':
      return false;
    default:
      throw new DriveSpecError(`--drive ${key}=${value}: expected on or off`);
  }
}

export function parseDriveSpec(text: string): DriveSpec {
  const values = new Map<string, string>();
  for (const part of splitOptions(text)) {
    if (part === '') throw new DriveSpecError(`--drive '${text}': empty option`);
    const eq = part.indexOf('=');
    if (eq <= 0) throw new DriveSpecError(`--drive '${text}': '${part}' is not key=value`);
    const key = part.slice(0, eq);
    const value = part.slice(eq + 1);
    if (!KEYS.includes(key)) {
      throw new DriveSpecError(`--drive: unknown option '${key}' (known: ${KEYS.join(', ')})`);
    }
    if (values.has(key)) throw new DriveSpecError(`--drive: '${key}' given twice`);
    values.set(key, value);
  }
  const file = values.get('file');
  if (file === undefined || file === '') throw new DriveSpecError(`--drive '${text}': file=PATH is required`);
  const format = values.get('format');
  if (format === undefined) {
    throw new DriveSpecError(`--drive '${text}': format= is required (${FORMATS.join(' or ')})`);
  }
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new DriveSpecError(`--drive: unknown format '${format}' (supported: ${FORMATS.join(', ')})`);
  }
  const iface = values.get('if');
  if (iface !== undefined && iface !== 'virtio') {
    throw new DriveSpecError(`--drive: if=${iface} is not supported (only if=virtio)`);
  }
  const serial = values.get('serial');
  if (serial !== undefined && new TextEncoder().encode(serial).length > 20) {
    throw new DriveSpecError('--drive: serial= is longer than 20 bytes');
  }
  return {
    file,
    format: format as BaseFormat,
    readOnly: values.has('readonly') ? parseBool('readonly', values.get('readonly')!) : false,
    snapshot: values.has('snapshot') ? parseBool('snapshot', values.get('snapshot')!) : false,
    serial,
  };
}

/** Open the image a `--drive` specification names. */
export async function openDrive(text: string, options: { tempDir?: string } = {}): Promise<Drive> {
  const spec = parseDriveSpec(text);
  let backend: BlockBackend;
  if (spec.snapshot) {
    backend = await OverlayBackend.temporary(spec.file, spec.format, options.tempDir ?? tmpdir(), {
      readOnly: spec.readOnly,
    });
  } else if (spec.format === 'raw') {
    backend = await RawFileBackend.open(spec.file, { readOnly: spec.readOnly });
  } else {
    backend = await OverlayBackend.open(spec.file, { readOnly: spec.readOnly });
  }
  return { spec, backend };
}
