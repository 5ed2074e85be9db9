// The Debian root filesystem image: `rvisor guest rootfs` unpacks Debian trixie riscv64 packages
// (busybox, e2fsprogs, openssl, perl-base, base-files and their dependencies) into a staging
// folder, configures the result by hand in place of the maintainer scripts (rootfs-config.ts),
// and makes an ext4 image of it with `mke2fs -d` — no root rights, loop devices or mounting. The
// image is checked with `e2fsck -fn`, its SHA-256 goes into rootfs.json next to it, and a cached
// image is reused only while it still matches.
//
// The cached image is the pristine base: boot a copy of it, or attach it read-only / as a
// snapshot, since a guest that writes to it makes it differ from its checksum (the next
// `rvisor guest rootfs` then builds it again).

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  chmodSync,
  existsSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  rmdirSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { PrivateApt, runTool } from './apt.js';
import { DEFAULT_GUEST_NAME, GUEST_FILES, guestDir } from './cache-paths.js';
import { debianMirror } from './debian-mirror.js';
import { debField, extractDeb } from './deb-extract.js';
import { busyboxApplets } from './initramfs.js';
import { isRiscv64Elf } from './kernel-image.js';
import { sha256Hex } from './manifest.js';
import { busyboxAppletLinks, rootfsConfig, type RootfsLayout } from './rootfs-config.js';
import {
  DEPENDS_OPTIONS,
  ROOTFS_PACKAGES,
  packageFacts,
  parseControlStanzas,
  parseRecursiveDepends,
  resolvePackageClosure,
} from './rootfs-packages.js';

export const ROOTFS_FORMAT = 1;
export const ROOTFS_LABEL = 'rvisor-root';
export const DEFAULT_ROOTFS_SIZE = 1024 ** 3;
export const MIN_ROOTFS_SIZE = 64 * 1024 ** 2;
export const MAX_ROOTFS_SIZE = 1024 ** 4;
const SUITE = 'trixie';
const ARCH = 'riscv64';
/** Bumped when the builder changes what it puts in the image in a way rootfsConfig() does not show. */
const BUILDER_REVISION = 1;
/** ext4 features, fixed so that the image does not depend on the host's /etc/mke2fs.conf. */
export const EXT4_FEATURES = 'has_journal,extent,huge_file,flex_bg,metadata_csum,64bit,dir_nlink,extra_isize';

export class RootfsError extends Error {}

export interface RootfsManifest {
  format: typeof ROOTFS_FORMAT;
  /** Image file, relative to the guest directory. */
  image: string;
  size: number;
  sha256: string;
  label: string;
  /** Identifies what the builder puts in (packages asked for, configuration files). */
  recipe: string;
  createdAt: string;
  distribution: { suite: string; arch: string; mirror: string };
  packages: { name: string; version: string }[];
  /** Bytes of the unpacked files (what the image holds). */
  contentBytes: number;
  /** Seconds the build took. */
  buildSeconds: number;
}

export type RootfsCheck = { ok: true; manifest: RootfsManifest } | { ok: false; reason: string };

/** The recipe id: changes whenever the image would come out different for the same packages. */
export function rootfsRecipe(packages: readonly string[] = ROOTFS_PACKAGES): string {
  const layout = rootfsConfig({ packages: [] });
  return sha256Hex(
    new TextEncoder().encode(
      JSON.stringify({
        revision: BUILDER_REVISION,
        format: ROOTFS_FORMAT,
        label: ROOTFS_LABEL,
        features: EXT4_FEATURES,
        packages: [...packages].sort(),
        layout,
      }),
    ),
  ).slice(0, 16);
}

/** SHA-256 of a file, streamed (the image is large and mostly holes). */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path, { highWaterMark: 1 << 20 })
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

export function rootfsImagePath(dir: string = guestDir(DEFAULT_GUEST_NAME)): string {
  return join(dir, GUEST_FILES.rootfs);
}

/** rootfs.json without checking the image. */
export function readRootfsManifest(dir: string): RootfsManifest | null {
  try {
    const m = JSON.parse(readFileSync(join(dir, GUEST_FILES.rootfsManifest), 'utf8')) as RootfsManifest;
    return m !== null && typeof m === 'object' && m.format === ROOTFS_FORMAT ? m : null;
  } catch {
    return null;
  }
}

/** The image is there with the size and SHA-256 its manifest records. */
export async function verifyRootfs(dir: string): Promise<RootfsCheck> {
  const manifestPath = join(dir, GUEST_FILES.rootfsManifest);
  if (!existsSync(manifestPath)) return { ok: false, reason: `no ${GUEST_FILES.rootfsManifest} in ${dir}` };
  const manifest = readRootfsManifest(dir);
  if (manifest === null)
    return { ok: false, reason: `${manifestPath} is unreadable or of an unknown format` };
  if (manifest.image !== GUEST_FILES.rootfs)
    return { ok: false, reason: `${manifestPath} names another image` };
  const image = join(dir, manifest.image);
  let size: number;
  try {
    size = statSync(image).size;
  } catch {
    return { ok: false, reason: `${manifest.image} is missing` };
  }
  if (size !== manifest.size)
    return { ok: false, reason: `${manifest.image} has ${size} bytes, expected ${manifest.size}` };
  if ((await sha256File(image)) !== manifest.sha256) {
    return {
      ok: false,
      reason: `${manifest.image} does not match its SHA-256 checksum (changed by a guest that wrote to it, or damaged)`,
    };
  }
  return { ok: true, manifest };
}

/**
 * Trixie's merged /usr: /bin, /sbin and /lib are links into /usr. dpkg-deb -x replaces such a
 * link with a directory when a package still ships files there, so whatever landed in one of
 * them moves into /usr and the link is put back.
 */
export function mergeUsr(root: string): void {
  const moveInto = (from: string, to: string): void => {
    mkdirSync(to, { recursive: true });
    for (const name of readdirSync(from)) {
      const src = join(from, name);
      const dst = join(to, name);
      const srcStat = lstatSync(src);
      if (!existsSync(dst) && !isSymlink(dst)) {
        renameSync(src, dst);
      } else if (srcStat.isDirectory() && lstatSync(dst).isDirectory()) {
        moveInto(src, dst);
        rmdirSync(src);
      } else if (srcStat.isSymbolicLink() || lstatSync(dst).isSymbolicLink()) {
        // The same program reachable both ways (a compatibility link): the /usr entry stays.
        rmSync(src, { recursive: true, force: true });
      } else {
        throw new RootfsError(
          `/${join(from.slice(root.length + 1), name)} and /${dst.slice(root.length + 1)} both exist`,
        );
      }
    }
  };
  for (const alias of ['bin', 'sbin', 'lib', 'lib64', 'lib32', 'libx32']) {
    const path = join(root, alias);
    if (!existsSync(path) || isSymlink(path)) continue;
    moveInto(path, join(root, 'usr', alias));
    rmdirSync(path);
    symlinkSync(`usr/${alias}`, path);
  }
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Write the configuration into the unpacked tree (see rootfs-config.ts). */
export function applyLayout(root: string, layout: RootfsLayout, asRoot: boolean): void {
  for (const dir of layout.dirs) {
    const path = join(root, dir.path);
    if (!isSymlink(path)) mkdirSync(path, { recursive: true });
    if (!isSymlink(path)) chmodSync(path, dir.mode);
  }
  for (const file of layout.files) {
    const path = join(root, file.path);
    mkdirSync(dirname(path), { recursive: true });
    if (isSymlink(path)) unlinkSync(path);
    writeFileSync(path, file.content);
    chmodSync(path, file.mode);
    if (asRoot) lchownSync(path, file.uid ?? 0, file.gid ?? 0);
  }
  for (const link of layout.links) {
    const path = join(root, link.path);
    mkdirSync(dirname(path), { recursive: true });
    if (isSymlink(path)) unlinkSync(path);
    else if (existsSync(path)) {
      if (!lstatSync(path).isDirectory() || readdirSync(path).length > 0) {
        throw new RootfsError(`cannot make /${link.path} a link: something is there`);
      }
      rmdirSync(path);
    }
    symlinkSync(link.target, path);
  }
}

/** Every path in the tree, relative, parents first. */
export function listTree(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const child = rel === '' ? name : `${rel}/${name}`;
      out.push(child);
      const st = lstatSync(join(root, child));
      if (st.isDirectory()) walk(child);
    }
  };
  walk('');
  return out;
}

/** Total size of the regular files in a tree. */
function treeBytes(root: string): number {
  let total = 0;
  for (const rel of listTree(root)) {
    const st = lstatSync(join(root, rel));
    if (st.isFile()) total += st.size;
  }
  return total;
}

/** Paths with the setuid or setgid bit. */
export function setidFiles(root: string): string[] {
  return listTree(root).filter((rel) => {
    const st = lstatSync(join(root, rel));
    return st.isFile() && (st.mode & 0o6000) !== 0;
  });
}

function debugfsQuote(path: string): string {
  if (/["\n\\]/.test(path)) throw new RootfsError(`cannot name '${path}' to debugfs`);
  return `"/${path}"`;
}

/**
 * Set owners inside an image with debugfs (for builds by a user who is not root, where the
 * unpacked files belong to that user and mke2fs -d copies that).
 */
export async function setImageOwners(
  image: string,
  entries: readonly { path: string; uid: number; gid: number }[],
  scratch: string,
): Promise<void> {
  const script = entries
    .map((e) => `sif ${debugfsQuote(e.path)} uid ${e.uid}\nsif ${debugfsQuote(e.path)} gid ${e.gid}\n`)
    .join('');
  const file = join(scratch, 'owners.debugfs');
  writeFileSync(file, script);
  const { stderr } = await runTool('debugfs', ['-w', '-f', file, image], {
    debianPackage: 'e2fsprogs',
  });
  // debugfs exits 0 whatever happens; it echoes each command ("debugfs: ...") on stdout and
  // reports problems on stderr, after its version line.
  const complaints = stderr.split('\n').filter((l) => l.trim() !== '' && !/^debugfs \d/.test(l));
  if (complaints.length > 0)
    throw new RootfsError(`debugfs could not set owners:\n${complaints.slice(0, 5).join('\n')}`);
}

/** mke2fs -d: an ext4 image of a directory tree, without mounting anything. */
export async function makeExt4Image(
  tree: string,
  image: string,
  size: number,
  options: { label?: string; scratch: string },
): Promise<void> {
  if (size % 4096 !== 0) throw new RootfsError(`image size ${size} is not a multiple of 4 KiB`);
  // A private mke2fs.conf: the same file system whatever the host's defaults are.
  const config = join(options.scratch, 'mke2fs.conf');
  writeFileSync(
    config,
    `[defaults]\n\tbase_features = sparse_super,large_file,filetype,resize_inode,dir_index,ext_attr\n` +
      `\tdefault_mntopts = acl,user_xattr\n\tenable_periodic_fsck = 0\n\tblocksize = 4096\n` +
      `\tinode_size = 256\n\tinode_ratio = 16384\n\n[fs_types]\n\text4 = {\n\t\tfeatures = ${EXT4_FEATURES}\n\t}\n`,
  );
  rmSync(image, { force: true });
  await runTool(
    'mke2fs',
    [
      '-q',
      '-F',
      '-t',
      'ext4',
      '-b',
      '4096',
      '-L',
      options.label ?? ROOTFS_LABEL,
      '-E',
      'root_owner=0:0',
      '-d',
      tree,
      image,
      `${size / 1024}k`,
    ],
    { debianPackage: 'e2fsprogs', env: { MKE2FS_CONFIG: config } },
  );
}

/** e2fsck -fn: a full read-only check; throws when it finds anything. */
export async function checkExt4Image(image: string): Promise<void> {
  await runTool('e2fsck', ['-fn', image], { debianPackage: 'e2fsprogs' });
}

export interface BuildRootfsOptions {
  /** Guest directory (default: guestDir()). */
  dir?: string;
  /** Image size in bytes (default: keep a cached image's size, else DEFAULT_ROOTFS_SIZE). */
  size?: number;
  /** Build again even when the cached image verifies. */
  force?: boolean;
  mirror?: string;
  /** Install every .deb in this folder instead of resolving and downloading packages. */
  debsDir?: string;
  /** Packages to install with their dependencies (default ROOTFS_PACKAGES). */
  packages?: readonly string[];
  log?: (line: string) => void;
}

export interface BuildRootfsResult {
  dir: string;
  image: string;
  manifest: RootfsManifest;
  reused: boolean;
}

export function checkRootfsSize(size: number): void {
  if (
    !Number.isSafeInteger(size) ||
    size < MIN_ROOTFS_SIZE ||
    size > MAX_ROOTFS_SIZE ||
    size % (1024 * 1024) !== 0
  ) {
    throw new RootfsError(
      `the root filesystem size must be a whole number of MiB from 64M to 1T, got ${size} bytes`,
    );
  }
}

/** Build (or reuse) rootfs.ext4 in the guest directory; see the file comment. */
export async function buildRootfs(options: BuildRootfsOptions = {}): Promise<BuildRootfsResult> {
  const dir = options.dir ?? guestDir(DEFAULT_GUEST_NAME);
  const log = options.log ?? (() => {});
  const roots = options.packages ?? ROOTFS_PACKAGES;
  const recipe = rootfsRecipe(roots);
  if (options.size !== undefined) checkRootfsSize(options.size);
  if (!options.force) {
    const check = await verifyRootfs(dir);
    if (check.ok) {
      const m = check.manifest;
      if (m.recipe !== recipe)
        log(`the cached root filesystem was made by another builder version; building it again`);
      else if (options.size !== undefined && m.size !== options.size)
        log(`the cached root filesystem has ${m.size} bytes, ${options.size} asked for; building it again`);
      else return { dir, image: join(dir, m.image), manifest: m, reused: true };
    } else if (
      existsSync(join(dir, GUEST_FILES.rootfsManifest)) ||
      existsSync(join(dir, GUEST_FILES.rootfs))
    ) {
      log(`cached root filesystem not usable (${check.reason}); building it again`);
    }
  }
  const size = options.size ?? readRootfsManifest(dir)?.size ?? DEFAULT_ROOTFS_SIZE;
  checkRootfsSize(size);

  const stage = `${dir}.rootfs-partial`;
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  try {
    return await buildInto(dir, stage, size, recipe, roots, options, log);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

async function downloadPackages(
  stage: string,
  roots: readonly string[],
  mirror: string,
  log: (line: string) => void,
): Promise<{ debs: Map<string, string>; versions: Map<string, string> }> {
  const apt = new PrivateApt({ root: join(stage, 'apt'), mirror, suite: SUITE, arch: ARCH });
  log(`apt: ${apt.sourcesLine().trim()}`);
  if (apt.keyring === null) log('apt: no Debian keyring on this host: the archive signature is not checked');
  await apt.update();
  const cache = (args: string[]): Promise<{ stdout: string }> =>
    runTool('apt-cache', [...apt.options(), ...args], { debianPackage: 'apt' });
  const depends = parseRecursiveDepends((await cache(['depends', ...DEPENDS_OPTIONS, ...roots])).stdout);
  const real = [...depends.values()].filter((p) => !p.virtual).map((p) => p.name);
  const facts = packageFacts(
    parseControlStanzas((await cache(['show', '--no-all-versions', ...real])).stdout),
  );
  const resolved = resolvePackageClosure(roots, depends, facts, ARCH);
  for (const choice of resolved.choices) log(`apt: chose ${choice}`);
  const total = resolved.packages.reduce((sum, p) => sum + (facts.get(p)?.size ?? 0), 0);
  log(
    `apt: ${resolved.packages.length} packages (${(total / 1024 / 1024).toFixed(1)} MiB): ${resolved.packages.join(' ')}`,
  );
  const debs = await apt.download(resolved.packages, join(stage, 'debs'));
  const versions = new Map(resolved.packages.map((p) => [p, facts.get(p)?.version ?? 'unknown']));
  return { debs, versions };
}

async function debsFromFolder(
  folder: string,
): Promise<{ debs: Map<string, string>; versions: Map<string, string> }> {
  const files = existsSync(folder)
    ? readdirSync(folder)
        .filter((f) => f.endsWith('.deb'))
        .sort()
    : [];
  if (files.length === 0) throw new RootfsError(`no .deb files in ${folder}`);
  const debs = new Map<string, string>();
  const versions = new Map<string, string>();
  for (const file of files) {
    const path = join(folder, file);
    const name = await debField(path, 'Package');
    if (debs.has(name)) throw new RootfsError(`two .deb files for ${name} in ${folder}`);
    debs.set(name, path);
    versions.set(name, await debField(path, 'Version'));
  }
  return { debs, versions };
}

async function buildInto(
  dir: string,
  stage: string,
  size: number,
  recipe: string,
  roots: readonly string[],
  options: BuildRootfsOptions,
  log: (line: string) => void,
): Promise<BuildRootfsResult> {
  const started = performance.now();
  const mirror = options.mirror ?? debianMirror();
  const { debs, versions } =
    options.debsDir !== undefined
      ? await debsFromFolder(options.debsDir)
      : await downloadPackages(stage, roots, mirror, log);

  // Unpack: base-files first (it lays out the directories and the merged-/usr links).
  const root = join(stage, 'root');
  mkdirSync(root, { recursive: true });
  const order = [...debs.keys()].sort((a, b) =>
    a === 'base-files' ? -1 : b === 'base-files' ? 1 : a < b ? -1 : 1,
  );
  log(`unpacking ${order.length} packages`);
  for (const name of order) await extractDeb(debs.get(name) as string, root);
  mergeUsr(root);

  // Configure.
  const busybox = join(root, 'usr/bin/busybox');
  if (!existsSync(busybox))
    throw new RootfsError('no /usr/bin/busybox in the unpacked packages (is busybox-static there?)');
  const busyboxData = readFileSync(busybox);
  if (!isRiscv64Elf(busyboxData)) throw new RootfsError('/usr/bin/busybox is not a riscv64 program');
  const asRoot = process.getuid?.() === 0;
  const packages = [...versions]
    .map(([name, version]) => ({ name, version }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const motdPath = join(root, 'usr/share/base-files/motd');
  const layout = rootfsConfig({
    packages,
    motd: existsSync(motdPath) ? readFileSync(motdPath, 'utf8') : undefined,
  });
  applyLayout(root, layout, asRoot);
  const applets = busyboxApplets(busyboxData);
  if (applets.length === 0) throw new RootfsError('cannot read the applet list of /usr/bin/busybox');
  const appletLinks = busyboxAppletLinks(
    applets,
    (p) => existsSync(join(root, p)) || isSymlink(join(root, p)),
  );
  applyLayout(root, { dirs: [], files: [], links: appletLinks }, asRoot);
  for (const required of ['usr/sbin/init', 'usr/sbin/getty', 'usr/bin/login', 'usr/bin/sh']) {
    if (!existsSync(join(root, required))) throw new RootfsError(`the image would have no /${required}`);
  }
  const setid = setidFiles(root);
  log(
    `${appletLinks.length} busybox applet links; setuid/setgid files: ${setid.length ? setid.join(' ') : 'none'}`,
  );
  const contentBytes = treeBytes(root);
  if (contentBytes > size * 0.8) {
    throw new RootfsError(
      `${contentBytes} bytes of files do not fit well in a ${size}-byte image: choose a larger --size`,
    );
  }

  // The image.
  const image = join(stage, GUEST_FILES.rootfs);
  log(
    `mke2fs: ${(contentBytes / 1024 / 1024).toFixed(1)} MiB of files into a ${size / 1024 / 1024} MiB ext4 image`,
  );
  await makeExt4Image(root, image, size, { label: ROOTFS_LABEL, scratch: stage });
  if (!asRoot) {
    // Unpacked by an ordinary user: every file belongs to that user. Give them to root (and the
    // few files that have another group, theirs).
    const special = new Map(layout.files.filter((f) => f.uid || f.gid).map((f) => [f.path, f]));
    const entries = listTree(root).map((path) => ({
      path,
      uid: special.get(path)?.uid ?? 0,
      gid: special.get(path)?.gid ?? 0,
    }));
    await setImageOwners(image, entries, stage);
  }
  await checkExt4Image(image);
  const sha256 = await sha256File(image);

  // Into place: the old manifest goes first, so that no manifest ever names a different image.
  mkdirSync(dir, { recursive: true });
  rmSync(join(dir, GUEST_FILES.rootfsManifest), { force: true });
  renameSync(image, join(dir, GUEST_FILES.rootfs));
  const manifest: RootfsManifest = {
    format: ROOTFS_FORMAT,
    image: GUEST_FILES.rootfs,
    size,
    sha256,
    label: ROOTFS_LABEL,
    recipe,
    createdAt: new Date().toISOString(),
    distribution: {
      suite: SUITE,
      arch: ARCH,
      mirror: options.debsDir === undefined ? mirror : 'local .deb files',
    },
    packages,
    contentBytes,
    buildSeconds: Math.round((performance.now() - started) / 100) / 10,
  };
  const manifestPath = join(dir, GUEST_FILES.rootfsManifest);
  writeFileSync(manifestPath + '.tmp', JSON.stringify(manifest, null, 2) + '\n');
  renameSync(manifestPath + '.tmp', manifestPath);
  return { dir, image: join(dir, GUEST_FILES.rootfs), manifest, reused: false };
}
