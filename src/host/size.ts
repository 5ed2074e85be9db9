// Parsing of QEMU-style sizes ("128M", "1G", "65536").

const UNITS: Record<string, number> = {
  '': 1024 * 1024,
  B: 1,
  K: 1024,
  M: 1024 ** 2,
  G: 1024 ** 3,
  T: 1024 ** 4,
};

/** Bytes for a size string. A bare number means MiB, as QEMU's -m does. */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([BKMGT]?)(?:i?B)?$/i.exec(text.trim());
  if (m === null) throw new Error(`invalid size '${text}' (examples: 128M, 1G)`);
  const bytes = Math.round(Number(m[1]) * UNITS[m[2].toUpperCase()]);
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new Error(`invalid size '${text}'`);
  return bytes;
}
