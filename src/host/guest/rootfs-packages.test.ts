import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PackageResolveError,
  ROOTFS_PACKAGES,
  packageFacts,
  parseControlStanzas,
  parseRecursiveDepends,
  resolvePackageClosure,
  type PackageFacts,
} from './rootfs-packages.js';

// Shaped like `apt-cache depends --recurse --no-recommends ... base-files e2fsprogs openssl` on
// trixie riscv64 (shortened), plus made-up alternatives.
const LISTING = `base-files
  PreDepends: <awk>
    gawk
    original-awk
    mawk
e2fsprogs
  PreDepends: libblkid1
  PreDepends: libc6
  Depends: logsave
openssl
  Depends: libc6
  Depends: libssl3t64
libssl3t64
  Depends: libc6
  Depends: libzstd1
  Depends: openssl-provider-legacy
tool
  |Depends: foreign-only
  Depends: libc6:any
  Recommends: bigthing
  |Depends: pager
  |Depends: less
  Depends: <pager-virtual>
    most
editor
  |Depends: nano
  Depends: mawk
libblkid1
  Depends: libc6
libc6
  Depends: libgcc-s1
logsave
  Depends: libc6
gawk
  PreDepends: libc6
  PreDepends: libgmp10
original-awk
  PreDepends: libc6
mawk
  Depends: libc6
libgcc-s1
  Depends: gcc-14-base
  Depends: libc6
libzstd1
  Depends: libc6
openssl-provider-legacy
  Depends: libc6
  Depends: libssl3t64
libgmp10
  Depends: libc6
gcc-14-base
nano
  Depends: libc6
less
  Depends: libc6
most
  Depends: libc6
foreign-only
<awk>
<pager-virtual>
`;

function facts(...list: [string, string?, string?][]): Map<string, PackageFacts> {
  return new Map(
    list.map(([name, architecture = 'riscv64', priority = 'optional']) => [
      name,
      { name, version: '1.0', architecture, priority },
    ]),
  );
}

const FACTS = facts(
  ['base-files', 'riscv64', 'required'],
  ['e2fsprogs', 'riscv64', 'required'],
  ['openssl'],
  ['libssl3t64'],
  ['libblkid1', 'riscv64', 'required'],
  ['libc6', 'riscv64', 'required'],
  ['logsave'],
  ['gawk'],
  ['original-awk'],
  ['mawk', 'riscv64', 'required'],
  ['libgcc-s1', 'riscv64', 'required'],
  ['libzstd1'],
  ['openssl-provider-legacy'],
  ['libgmp10'],
  ['gcc-14-base', 'riscv64', 'required'],
  ['nano', 'riscv64', 'important'],
  ['less', 'riscv64', 'important'],
  ['most'],
  ['tool'],
  ['editor'],
  ['foreign-only', 'amd64'],
);

test('apt-cache depends --recurse output: groups, alternatives, virtual packages and providers', () => {
  const deps = parseRecursiveDepends(LISTING);
  const baseFiles = deps.get('base-files');
  assert.deepEqual(baseFiles?.groups, [
    [{ name: 'awk', virtual: true, providers: ['gawk', 'original-awk', 'mawk'] }],
  ]);
  assert.equal(deps.get('awk')?.virtual, true);
  assert.equal(deps.get('libc6')?.virtual, false);
  assert.deepEqual(
    deps.get('e2fsprogs')?.groups.map((g) => g.map((a) => a.name)),
    [['libblkid1'], ['libc6'], ['logsave']],
  );
  // "|Depends: a" continues into the next line; Recommends lines are not dependencies; :any goes.
  assert.deepEqual(
    deps.get('tool')?.groups.map((g) => g.map((a) => (a.virtual ? `<${a.name}>` : a.name))),
    [
      ['foreign-only', 'libc6'],
      ['pager', 'less', '<pager-virtual>'],
    ],
  );
  assert.deepEqual(deps.get('tool')?.groups[1][2].providers, ['most']);
  assert.deepEqual(deps.get('gcc-14-base')?.groups, []);
});

test('control stanzas of apt-cache show become package facts', () => {
  const text = `Package: libc6
Version: 2.41-12
Architecture: riscv64
Priority: required
Size: 2474016
Description: GNU C Library
 more text

Package: base-files
Version: 13.8
Essential: yes
Architecture: riscv64
Multi-Arch: foreign

Package: libc6
Version: 2.40-1
Architecture: riscv64
`;
  const stanzas = parseControlStanzas(text);
  assert.equal(stanzas.length, 3);
  assert.equal(stanzas[0].get('Description'), 'GNU C Library\nmore text');
  const f = packageFacts(stanzas);
  assert.deepEqual(f.get('libc6'), {
    name: 'libc6',
    version: '2.41-12',
    architecture: 'riscv64',
    priority: 'required',
    size: 2474016,
  });
  assert.equal(f.get('base-files')?.essential, true);
});

test('the closure: virtual packages by provider priority, Pre-Depends, no Recommends', () => {
  const deps = parseRecursiveDepends(LISTING);
  const r = resolvePackageClosure(['base-files', 'e2fsprogs', 'openssl'], deps, FACTS, 'riscv64');
  assert.deepEqual(r.packages, [
    'base-files',
    'e2fsprogs',
    'gcc-14-base',
    'libblkid1',
    'libc6',
    'libgcc-s1',
    'libssl3t64',
    'libzstd1',
    'logsave',
    'mawk',
    'openssl',
    'openssl-provider-legacy',
  ]);
  // awk: gawk comes first in apt's list, but mawk is "required".
  assert.deepEqual(r.choices, ['awk: mawk']);
  assert.equal(r.reasons.get('mawk'), 'base-files');
  assert.equal(r.reasons.get('e2fsprogs'), null);
  assert.equal(r.reasons.get('libgcc-s1'), 'libc6');
});

test('the closure: other architectures are skipped, a chosen alternative satisfies a group', () => {
  const deps = parseRecursiveDepends(LISTING);
  // foreign-only is amd64: libc6 satisfies "foreign-only | libc6"; pager is unknown, less is real.
  const r = resolvePackageClosure(['tool'], deps, FACTS, 'riscv64');
  assert.deepEqual(r.packages, ['gcc-14-base', 'less', 'libc6', 'libgcc-s1', 'tool']);
  // editor: "nano | mawk" with mawk already chosen for another package: no nano.
  const both = resolvePackageClosure(['base-files', 'editor'], deps, FACTS, 'riscv64');
  assert.ok(both.packages.includes('mawk'));
  assert.ok(!both.packages.includes('nano'));
  // Alone, editor takes its first alternative.
  assert.ok(resolvePackageClosure(['editor'], deps, FACTS, 'riscv64').packages.includes('nano'));
});

test('the closure: unknown roots, wrong architectures and unsatisfiable dependencies are errors', () => {
  const deps = parseRecursiveDepends(LISTING);
  assert.throws(() => resolvePackageClosure(['nope'], deps, FACTS, 'riscv64'), PackageResolveError);
  assert.throws(() => resolvePackageClosure(['foreign-only'], deps, FACTS, 'riscv64'), /is for amd64/);
  const noAwk = new Map(FACTS);
  for (const name of ['gawk', 'original-awk', 'mawk']) noAwk.delete(name);
  assert.throws(
    () => resolvePackageClosure(['base-files'], deps, noAwk, 'riscv64'),
    /base-files depends on <awk>, and nothing in the archive provides it/,
  );
  // Architecture "all" packages count.
  const allArch = new Map(FACTS);
  allArch.set('gcc-14-base', { name: 'gcc-14-base', version: '1', architecture: 'all' });
  assert.ok(resolvePackageClosure(['libc6'], deps, allArch, 'riscv64').packages.includes('gcc-14-base'));
});

test('the image is built from busybox, e2fsprogs, openssl, perl-base and base-files', () => {
  for (const name of ['busybox-static', 'e2fsprogs', 'openssl', 'perl-base', 'base-files']) {
    assert.ok(ROOTFS_PACKAGES.includes(name), name);
  }
});
