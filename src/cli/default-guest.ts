// The default guest for `rvisor run`: the Debian kernel, OpenSBI and initramfs from the cache,
// fetched on first use so that a bare `rvisor run` works with no configuration.

import { findGuest, guestPaths, type GuestPaths } from '../host/guest/guest-artifacts.js';
import { UsageError } from './args.js';

export async function defaultGuestPaths(): Promise<GuestPaths> {
  const found = findGuest();
  if (found.ok) return found.paths;
  process.stderr.write('rvisor: the Debian guest is not in the cache yet; fetching it (once)...\n');
  // The fetcher (package download, .deb extraction, initramfs builder) is loaded only when needed:
  // every `rvisor run` with the guest cached starts that much sooner.
  const { fetchGuest, GuestFetchError } = await import('../host/guest/fetch.js');
  try {
    const result = await fetchGuest({ log: (line) => process.stderr.write(`  ${line}\n`) });
    return guestPaths(result.dir, result.manifest);
  } catch (err) {
    if (err instanceof GuestFetchError || (err instanceof Error && err.name === 'ToolMissingError')) {
      throw new UsageError(err.message);
    }
    throw err;
  }
}
