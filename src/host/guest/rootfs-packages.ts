// Which Debian packages go into the root filesystem image: the dependency closure of a few wanted
// packages, worked out from one `apt-cache depends --recurse` listing and the packages' control
// fields. apt itself is not asked to install anything (its solver would need a dpkg database for
// riscv64 on this host), so this is a small resolver of its own: every dependency group is
// satisfied by a package already chosen when there is one, otherwise by its first real
// alternative; a virtual package is satisfied by its provider of the highest priority.

/** What the image is built from; everything else comes in as their dependencies. */
export const ROOTFS_PACKAGES: readonly string[] = [
  // /etc/os-release, /etc/issue, the merged-/usr links (/bin -> usr/bin ...), the FHS directories.
  'base-files',
  // init, getty, login, the shell and the other commands; static, so it works without libc too.
  'busybox-static',
  'e2fsprogs',
  'openssl',
  'perl-base',
];

/** apt-cache depends options that keep the listing to hard dependencies. */
export const DEPENDS_OPTIONS: readonly string[] = [
  '--recurse',
  '--no-recommends',
  '--no-suggests',
  '--no-conflicts',
  '--no-breaks',
  '--no-replaces',
  '--no-enhances',
];

/** One alternative of a dependency: a real package, or a virtual one with its providers. */
export interface DependencyAlternative {
  name: string;
  virtual: boolean;
  /** Packages that provide a virtual package (empty for real ones). */
  providers: string[];
}

/** A dependency "a | b | c": any one alternative satisfies it. */
export type DependencyGroup = DependencyAlternative[];

export interface PackageDepends {
  name: string;
  /** Listed as <name>: a virtual package (or one with no candidate for this architecture). */
  virtual: boolean;
  groups: DependencyGroup[];
}

/** Control fields of a package that the resolver looks at. */
export interface PackageFacts {
  name: string;
  version: string;
  architecture: string;
  priority?: string;
  essential?: boolean;
  /** Size of the .deb in bytes. */
  size?: number;
}

export class PackageResolveError extends Error {}

/** apt-cache writes "name:any" or "name:riscv64" for some dependencies; the name is what counts. */
function bareName(name: string): string {
  const colon = name.indexOf(':');
  return colon >= 0 ? name.slice(0, colon) : name;
}

function unbracket(text: string): { name: string; virtual: boolean } {
  const m = /^<(.+)>$/.exec(text);
  return m ? { name: bareName(m[1]), virtual: true } : { name: bareName(text), virtual: false };
}

/**
 * Parse `apt-cache depends --recurse` output: package lines start in column 0, dependency lines
 * ("  Depends: x", "  PreDepends: x", "  |Depends: a" = "a or the next one") are indented, and the
 * providers of a virtual dependency follow it indented further. Other kinds of relation lines
 * (when not turned off) are ignored.
 */
export function parseRecursiveDepends(text: string): Map<string, PackageDepends> {
  const result = new Map<string, PackageDepends>();
  let current: PackageDepends | null = null;
  let group: DependencyGroup | null = null;
  let continues = false;
  let lastAlternative: DependencyAlternative | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+$/, '');
    if (line === '') continue;
    if (!/^\s/.test(line)) {
      const { name, virtual } = unbracket(line.trim());
      current = result.get(name) ?? { name, virtual, groups: [] };
      result.set(name, current);
      group = null;
      continues = false;
      lastAlternative = null;
      continue;
    }
    if (current === null) continue;
    const relation = /^\s+(\|)?([A-Za-z-]+):\s+(\S+)\s*$/.exec(line);
    if (relation) {
      lastAlternative = null;
      const [, bar, kind, target] = relation;
      if (kind !== 'Depends' && kind !== 'PreDepends') {
        continues = false;
        group = null;
        continue;
      }
      const { name, virtual } = unbracket(target);
      const alternative: DependencyAlternative = { name, virtual, providers: [] };
      if (continues && group !== null) group.push(alternative);
      else {
        group = [alternative];
        current.groups.push(group);
      }
      continues = bar === '|';
      lastAlternative = alternative;
      continue;
    }
    // A provider line under a virtual dependency.
    if (lastAlternative !== null && /^\s{3,}\S+$/.test(line)) {
      const provider = unbracket(line.trim());
      if (!provider.virtual && !lastAlternative.providers.includes(provider.name)) {
        lastAlternative.providers.push(provider.name);
      }
    }
  }
  return result;
}

/** Every stanza of `apt-cache show` / Packages-style text, as field maps. */
export function parseControlStanzas(text: string): Map<string, string>[] {
  const stanzas: Map<string, string>[] = [];
  let fields = new Map<string, string>();
  let last = '';
  const flush = (): void => {
    if (fields.size > 0) stanzas.push(fields);
    fields = new Map();
    last = '';
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      flush();
      continue;
    }
    if (/^\s/.test(line) && last) {
      fields.set(last, `${fields.get(last)}\n${line.trim()}`);
      continue;
    }
    const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
    if (m) {
      last = m[1];
      fields.set(last, m[2]);
    }
  }
  flush();
  return stanzas;
}

/** PackageFacts from control stanzas (the first stanza of a name wins). */
export function packageFacts(stanzas: readonly Map<string, string>[]): Map<string, PackageFacts> {
  const facts = new Map<string, PackageFacts>();
  for (const s of stanzas) {
    const name = s.get('Package');
    const version = s.get('Version');
    const architecture = s.get('Architecture');
    if (!name || !version || !architecture || facts.has(name)) continue;
    const size = Number(s.get('Size'));
    facts.set(name, {
      name,
      version,
      architecture,
      ...(s.has('Priority') ? { priority: s.get('Priority') } : {}),
      ...(s.get('Essential') === 'yes' ? { essential: true } : {}),
      ...(Number.isFinite(size) && size > 0 ? { size } : {}),
    });
  }
  return facts;
}

const PRIORITY_RANK: Record<string, number> = {
  required: 0,
  important: 1,
  standard: 2,
  optional: 3,
  extra: 4,
};

function priorityRank(facts: PackageFacts | undefined): number {
  return PRIORITY_RANK[facts?.priority ?? 'optional'] ?? 3;
}

export interface ResolvedPackages {
  /** Package names, sorted. */
  packages: string[];
  /** Why each package is there: the package whose dependency brought it in (roots: null). */
  reasons: Map<string, string | null>;
  /** Dependency groups that had a choice, and what was chosen ("awk: mawk"). */
  choices: string[];
}

/**
 * The dependency closure of `roots`. Packages count only when they have control fields and an
 * architecture of `arch` or "all"; anything else (virtual names, other architectures) is never
 * chosen itself. Throws when a root is unknown or a dependency cannot be satisfied.
 */
export function resolvePackageClosure(
  roots: readonly string[],
  depends: ReadonlyMap<string, PackageDepends>,
  facts: ReadonlyMap<string, PackageFacts>,
  arch: string,
): ResolvedPackages {
  const usable = (name: string): boolean => {
    const f = facts.get(name);
    return f !== undefined && (f.architecture === arch || f.architecture === 'all');
  };
  const reasons = new Map<string, string | null>();
  const choices: string[] = [];
  const queue: string[] = [];
  for (const root of roots) {
    if (!usable(root)) {
      const f = facts.get(root);
      throw new PackageResolveError(
        f === undefined
          ? `package ${root} is not in the archive for ${arch}`
          : `package ${root} is for ${f.architecture}, not ${arch}`,
      );
    }
    if (!reasons.has(root)) {
      reasons.set(root, null);
      queue.push(root);
    }
  }
  while (queue.length > 0) {
    const name = queue.shift() as string;
    for (const group of depends.get(name)?.groups ?? []) {
      // The real packages that satisfy each alternative, in order.
      const options = group.map((alt) => {
        const candidates = alt.virtual || !usable(alt.name) ? alt.providers : [alt.name];
        return candidates.filter(usable);
      });
      const all = options.flat();
      if (all.some((p) => reasons.has(p))) continue;
      const first = options.find((o) => o.length > 0);
      if (first === undefined) {
        const text = group.map((a) => (a.virtual ? `<${a.name}>` : a.name)).join(' | ');
        throw new PackageResolveError(`${name} depends on ${text}, and nothing in the archive provides it`);
      }
      const pick = [...first].sort((a, b) => priorityRank(facts.get(a)) - priorityRank(facts.get(b)))[0];
      if (all.length > 1) {
        choices.push(`${group.map((a) => a.name).join(' | ')}: ${pick}`);
      }
      reasons.set(pick, name);
      queue.push(pick);
    }
  }
  return { packages: [...reasons.keys()].sort(), reasons, choices };
}
