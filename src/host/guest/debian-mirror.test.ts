import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_DEBIAN_MIRROR,
  debianMirror,
  hostDebianArchive,
  pickDebianArchive,
  urisFromDeb822,
  urisFromSourcesList,
} from './debian-mirror.js';

test('one-line sources: deb lines only, options skipped, comments ignored', () => {
  const text = [
    '# deb http://commented.example/debian bookworm main',
    'deb-src http://src.example/debian bookworm main',
    'deb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian/ bookworm main',
    'deb http://security.example/debian-security bookworm-security main',
  ].join('\n');
  assert.deepEqual(urisFromSourcesList(text), [
    'http://mirror.example/debian/',
    'http://security.example/debian-security',
  ]);
  assert.equal(pickDebianArchive(urisFromSourcesList(text)), 'http://mirror.example/debian');
});

test('deb822 sources: enabled deb stanzas, several URIs', () => {
  const text = `Types: deb deb-src
# a comment
URIs: http://a.example/debian http://b.example/debian
Suites: bookworm
Components: main

Types: deb
URIs: http://off.example/debian
Enabled: no
Suites: bookworm

Types: deb-src
URIs: http://src.example/debian
`;
  assert.deepEqual(urisFromDeb822(text), ['http://a.example/debian', 'http://b.example/debian']);
});

test('a main archive is a URI ending in /debian', () => {
  assert.equal(pickDebianArchive(['https://x.example/debian-security', 'https://x.example/ubuntu']), null);
  assert.equal(
    pickDebianArchive(['https://x.example/debian-security', 'https://y.example/pub/debian/']),
    'https://y.example/pub/debian',
  );
});

test('host configuration is read from sources.list and sources.list.d', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvisor-apt-'));
  try {
    assert.equal(hostDebianArchive(dir), null);
    mkdirSync(join(dir, 'sources.list.d'));
    writeFileSync(join(dir, 'sources.list.d', 'other.list'), 'deb https://vendor.example/apt stable main\n');
    writeFileSync(
      join(dir, 'sources.list.d', 'debian.sources'),
      'Types: deb\nURIs: http://local.example/debian\nSuites: bookworm\n',
    );
    assert.equal(hostDebianArchive(dir), 'http://local.example/debian');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('RVISOR_DEBIAN_MIRROR overrides everything', () => {
  assert.equal(
    debianMirror({ RVISOR_DEBIAN_MIRROR: 'http://override.example/debian/' }),
    'http://override.example/debian',
  );
  assert.match(debianMirror({}), /^(https?|file):\/\//);
  assert.equal(DEFAULT_DEBIAN_MIRROR, 'http://deb.debian.org/debian');
});
