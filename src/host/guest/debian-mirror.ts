// Which Debian mirror to fetch guest packages from: RVISOR_DEBIAN_MIRROR when set, otherwise the
// main Debian archive this host's apt is configured with (a machine may reach only that one),
// otherwise the standard default.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_DEBIAN_MIRROR = 'http://deb.debian.org/debian';

/** Archive URIs of "deb" entries in a one-line-style sources.list. */
export function urisFromSourcesList(text: string): string[] {
  const uris: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line.startsWith('deb ') && !line.startsWith('deb\t')) continue;
    const rest = line
      .slice(3)
      .trim()
      .replace(/^\[[^\]]*\]\s*/, '');
    const uri = rest.split(/\s+/)[0];
    if (uri) uris.push(uri);
  }
  return uris;
}

/** Archive URIs of enabled "deb" stanzas in a deb822-style .sources file. */
export function urisFromDeb822(text: string): string[] {
  const uris: string[] = [];
  const lines = text.split('\n').filter((l) => !l.trimStart().startsWith('#'));
  for (const stanza of lines.join('\n').split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    let last = '';
    for (const line of stanza.split('\n')) {
      if (/^\s/.test(line) && last) {
        fields.set(last, `${fields.get(last)} ${line.trim()}`);
        continue;
      }
      const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
      if (!m) continue;
      last = m[1].toLowerCase();
      fields.set(last, m[2].trim());
    }
    const types = (fields.get('types') ?? '').split(/\s+/);
    if (!types.includes('deb')) continue;
    if (/^(no|false)$/i.test(fields.get('enabled') ?? '')) continue;
    for (const uri of (fields.get('uris') ?? '').split(/\s+/)) if (uri) uris.push(uri);
  }
  return uris;
}

/** The first URI that names a main Debian archive (path ending in /debian), without a trailing "/". */
export function pickDebianArchive(uris: readonly string[]): string | null {
  for (const uri of uris) {
    const trimmed = uri.replace(/\/+$/, '');
    if (/^(https?|file):\/\/.+\/debian$/.test(trimmed)) return trimmed;
  }
  return null;
}

/** The main Debian archive configured in this host's apt sources, if any. */
export function hostDebianArchive(etcApt = '/etc/apt'): string | null {
  const uris: string[] = [];
  const read = (path: string): string => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return '';
    }
  };
  uris.push(...urisFromSourcesList(read(join(etcApt, 'sources.list'))));
  const partsDir = join(etcApt, 'sources.list.d');
  if (existsSync(partsDir)) {
    for (const name of readdirSync(partsDir).sort()) {
      if (name.endsWith('.list')) uris.push(...urisFromSourcesList(read(join(partsDir, name))));
      else if (name.endsWith('.sources')) uris.push(...urisFromDeb822(read(join(partsDir, name))));
    }
  }
  return pickDebianArchive(uris);
}

/** RVISOR_DEBIAN_MIRROR, else the host's configured Debian archive, else the standard default. */
export function debianMirror(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.RVISOR_DEBIAN_MIRROR?.trim();
  if (override) return override.replace(/\/+$/, '');
  return hostDebianArchive() ?? DEFAULT_DEBIAN_MIRROR;
}
