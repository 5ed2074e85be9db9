// `rvisor disk`: disk image tools. `create-overlay --base BASE OUT` makes an empty rvcow
// copy-on-write overlay over BASE (see src/host/disk/overlay.ts); `info FILE` describes an overlay.

import { relative, dirname, resolve, isAbsolute } from 'node:path';
import { parseOptions, usageText, UsageError, type OptionSpec } from './args.js';
import { DiskError } from '../host/disk/raw-file.js';
import { createOverlay, OverlayBackend, type BaseFormat } from '../host/disk/overlay.js';

type Output = Pick<NodeJS.WritableStream, 'write'>;

const CREATE_OPTIONS: Record<string, OptionSpec> = {
  base: { value: true, help: 'the base image the overlay reads through to (required)' },
  'base-format': { value: true, help: "format of the base: 'raw' (default) or 'rvcow'" },
  help: { value: false, help: 'show this help' },
};

const INFO_OPTIONS: Record<string, OptionSpec> = {
  help: { value: false, help: 'show this help' },
};

const HELP = `usage: rvisor disk <command> [options]

commands:
  create-overlay --base BASE OUT   create an empty copy-on-write overlay OUT over BASE
                                   (use it with --drive file=OUT,format=rvcow)
  info FILE                        show an overlay's header and allocation
`;

async function createOverlayCommand(argv: string[], out: Output): Promise<number> {
  const { options, positional } = parseOptions(argv, CREATE_OPTIONS);
  if (options.has('help')) {
    out.write(usageText('disk create-overlay OUT', CREATE_OPTIONS) + '\n');
    return 0;
  }
  const base = options.get('base');
  if (typeof base !== 'string' || base === '') throw new UsageError('disk create-overlay needs --base BASE');
  if (positional.length !== 1) throw new UsageError('disk create-overlay needs exactly one output file');
  const target = positional[0];
  const formatText = options.get('base-format') ?? 'raw';
  if (formatText !== 'raw' && formatText !== 'rvcow') {
    throw new UsageError(`--base-format must be raw or rvcow, got '${String(formatText)}'`);
  }
  // Stored relative to the overlay, so the pair can move together.
  const basePath = isAbsolute(base) ? base : relative(dirname(resolve(target)), resolve(base));
  try {
    const header = await createOverlay(target, { basePath, baseFormat: formatText as BaseFormat });
    out.write(`created ${target}: ${header.virtualSize} bytes over ${base} (${formatText})\n`);
    return 0;
  } catch (err) {
    if (err instanceof DiskError) throw new UsageError(err.message);
    throw err;
  }
}

async function infoCommand(argv: string[], out: Output): Promise<number> {
  const { options, positional } = parseOptions(argv, INFO_OPTIONS);
  if (options.has('help')) {
    out.write(usageText('disk info FILE', INFO_OPTIONS) + '\n');
    return 0;
  }
  if (positional.length !== 1) throw new UsageError('disk info needs exactly one file');
  let overlay: OverlayBackend;
  try {
    overlay = await OverlayBackend.open(positional[0], { readOnly: true });
  } catch (err) {
    if (err instanceof DiskError) throw new UsageError(err.message);
    throw err;
  }
  const h = overlay.header;
  const clusterSize = 2 ** h.clusterBits;
  const allocated = overlay.allocatedClusters();
  await overlay.close();
  out.write(
    [
      `format:        rvcow version ${h.version}`,
      `virtual size:  ${h.virtualSize} bytes`,
      `cluster size:  ${clusterSize} bytes`,
      `allocated:     ${allocated} of ${h.mapEntries} clusters (${allocated * clusterSize} bytes)`,
      `base:          ${h.basePath} (${h.baseFormat}, ${h.baseSize} bytes)`,
      '',
    ].join('\n'),
  );
  return 0;
}

/** `out` is where reports go (stdout; tests pass their own). */
export async function diskCommand(argv: string[], out: Output = process.stdout): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'create-overlay':
      return createOverlayCommand(rest, out);
    case 'info':
      return infoCommand(rest, out);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      out.write(HELP);
      return sub === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown disk command '${sub}'`);
  }
}
