import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PrivateApt, parseAptDepends, parseControlStanza } from './apt.js';
import { pickKernelPackage } from './fetch.js';

test('apt-cache depends output gives the versioned kernel package', () => {
  const out =
    'linux-image-riscv64\n  Depends: linux-image-6.12.117+deb13-riscv64\n |Depends: <virtual-thing>\n';
  const deps = parseAptDepends(out);
  assert.deepEqual(deps, ['linux-image-6.12.117+deb13-riscv64', 'virtual-thing']);
  assert.equal(pickKernelPackage(deps), 'linux-image-6.12.117+deb13-riscv64');
  assert.equal(pickKernelPackage(['linux-image-riscv64-dbg']), null);
});

test('apt-cache show: the first stanza', () => {
  const fields = parseControlStanza(
    'Package: opensbi\nVersion: 1.6-1\nDescription: x\n more\n\nPackage: opensbi\nVersion: 1.5-1\n',
  );
  assert.equal(fields.get('Version'), '1.6-1');
  assert.equal(fields.get('Description'), 'x\nmore');
});

test('the private apt points every directory at its own root and sets the architecture', () => {
  const apt = new PrivateApt({
    root: '/r',
    mirror: 'http://m.example/debian',
    suite: 'trixie',
    arch: 'riscv64',
    keyring: null,
  });
  const opts = apt.options().filter((o) => o !== '-o');
  for (const o of [
    'Dir::Etc::SourceList=/r/sources.list',
    'Dir::Etc::SourceParts=/dev/null',
    'Dir::State=/r/state',
    'Dir::State::status=/r/state/status',
    'Dir::Cache=/r/cache',
    'APT::Architecture=riscv64',
    'APT::Architectures::=riscv64',
    'Acquire::Languages=none',
  ]) {
    assert.ok(opts.includes(o), o);
  }
  assert.equal(apt.sourcesLine(), 'deb [trusted=yes] http://m.example/debian trixie main\n');
  const signed = new PrivateApt({
    root: '/r',
    mirror: 'http://m.example/debian',
    suite: 'trixie',
    arch: 'riscv64',
    keyring: '/k.gpg',
  });
  assert.equal(signed.sourcesLine(), 'deb [signed-by=/k.gpg] http://m.example/debian trixie main\n');
});
