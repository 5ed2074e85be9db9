// The JIT's profile between runs (engine/jit/jit.ts JitOptions.profile): which pages of guest code
// were translated, named by the digest of their content, and from which entry offsets. A VM
// booting the same kernel again has those pages translated when they first run instead of after
// tens of thousands of interpreted instructions each.
//
// One JSON file, [[digest, [offset, ...]], ...], most recently translated pages first, shared by
// every run of this user (a page's content names it, whichever guest or run it came from). The
// file is only ever a hint: whatever it says, code is translated from the guest's own bytes, so
// a damaged or foreign file costs at most some needless translations; one that does not parse
// is ignored (and replaced at the next save). Saved with a rename, so concurrent runs never see
// half a file (the last to save wins).

import { readFile, rename, writeFile, mkdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { rvisorCacheDir } from './guest/cache-paths.js';

export type JitProfile = Map<string, number[]>;

/** Pages kept (a Debian boot translates ~410; its busybox userland a few dozen more). */
export const MAX_PROFILE_PAGES = 8192;
/** Entry offsets kept per page (a halfword offset each: at most 2048 in a page). */
const MAX_ENTRIES = 2048;
const DIGEST = /^[0-9a-f]{16}$/;

/** Where `rvisor run` keeps it: in rvisor's cache directory. */
export function defaultJitProfilePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(rvisorCacheDir(env), 'jit-profile.json');
}

/** A profile from the file's text; throws (with what is wrong) on anything but a valid one. */
export function parseJitProfile(text: string): JitProfile {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value)) throw new Error('not a list');
  if (value.length > MAX_PROFILE_PAGES) throw new Error(`more than ${MAX_PROFILE_PAGES} pages`);
  const profile: JitProfile = new Map();
  for (const item of value) {
    if (!Array.isArray(item) || item.length !== 2) throw new Error('an item is not [digest, entries]');
    const [digest, entries] = item as unknown[];
    if (typeof digest !== 'string' || !DIGEST.test(digest)) throw new Error('a digest is not 16 hex digits');
    if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_ENTRIES)
      throw new Error(`page ${digest}: entries are not a list of 1 to ${MAX_ENTRIES} offsets`);
    for (const offset of entries) {
      if (!Number.isInteger(offset) || offset < 0 || offset > 4094 || offset % 2 !== 0)
        throw new Error(`page ${digest}: ${String(offset)} is not an instruction offset in a page`);
    }
    profile.set(digest, entries as number[]);
  }
  return profile;
}

/**
 * The profile in `path`: empty when there is none yet; `problem` says why a file that exists was
 * not used (unreadable or not a profile).
 */
export async function loadJitProfile(path: string): Promise<{ profile: JitProfile; problem?: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { profile: new Map() };
    return { profile: new Map(), problem: `cannot read ${path} (${code ?? String(err)})` };
  }
  try {
    return { profile: parseJitProfile(text) };
  } catch (err) {
    return {
      profile: new Map(),
      problem: `${path} is not a JIT profile (${(err as Error).message}); starting afresh`,
    };
  }
}

/**
 * The pages translated in this run first, then those of `previous` not among them, up to
 * MAX_PROFILE_PAGES.
 */
export function mergeJitProfile(current: Iterable<[string, number[]]>, previous: JitProfile): JitProfile {
  const merged: JitProfile = new Map();
  const add = (digest: string, entries: number[]) => {
    if (merged.size < MAX_PROFILE_PAGES && !merged.has(digest))
      merged.set(digest, entries.slice(0, MAX_ENTRIES));
  };
  for (const [digest, entries] of current) add(digest, entries);
  for (const [digest, entries] of previous) add(digest, entries);
  return merged;
}

/** Write `profile` to `path` (its directory made if need be), replacing the file at once. */
export async function saveJitProfile(path: string, profile: JitProfile): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    // Readable by this user only: the digests say which programs a guest ran.
    await writeFile(temporary, JSON.stringify([...profile]), { mode: 0o600 });
    await rename(temporary, path);
  } catch (err) {
    await unlink(temporary).catch(() => undefined);
    throw err;
  }
}
