// A private apt for another architecture: its own sources list, state and cache directories, so
// that downloading Debian riscv64 packages changes nothing in the host's apt configuration
// (apt.conf.d settings such as a proxy still apply, as they should).

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEBIAN_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

/** A host tool is missing: the message says which Debian package brings it. */
export class ToolMissingError extends Error {
  constructor(
    readonly tool: string,
    readonly debianPackage: string,
  ) {
    super(`'${tool}' was not found on this host; install it with: apt-get install ${debianPackage}`);
  }
}

/** A command ran and failed. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly status: number | null,
    readonly output: string,
  ) {
    const tail = output.trim().split('\n').slice(-12).join('\n');
    super(`${command} failed (exit ${status ?? 'signal'})${tail ? `:\n${tail}` : ''}`);
  }
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** The command for messages, without apt's long list of -o settings. */
function commandText(program: string, args: readonly string[]): string {
  const shown: string[] = [program];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-o') i++;
    else shown.push(args[i]);
  }
  return shown.join(' ');
}

/** Run a program, capturing its output; missing programs become ToolMissingError. */
export function runTool(
  program: string,
  args: readonly string[],
  options: { cwd?: string; debianPackage: string; env?: NodeJS.ProcessEnv },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: { ...process.env, LC_ALL: 'C', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => {
      reject(e.code === 'ENOENT' ? new ToolMissingError(program, options.debianPackage) : e);
    });
    child.on('close', (status) => {
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (status === 0) resolve({ stdout, stderr });
      else reject(new CommandError(commandText(program, args), status, stdout + stderr));
    });
  });
}

export interface PrivateAptConfig {
  /** Directory holding the sources list, state and cache. */
  root: string;
  /** Archive URL, e.g. http://deb.debian.org/debian */
  mirror: string;
  suite: string;
  component?: string;
  arch: string;
  /**
   * Check the archive's signature with this keyring (default: Debian's keyring when installed).
   * null trusts the archive unchecked ([trusted=yes]); the .deb files are still checked against
   * the package index.
   */
  keyring?: string | null;
}

export interface PackageInfo {
  name: string;
  version: string;
  fields: Map<string, string>;
}

/** Fields of the first stanza of apt-cache show output. */
export function parseControlStanza(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  let last = '';
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (fields.size > 0) break;
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
  return fields;
}

/** Direct "Depends:" targets in apt-cache depends output (alternatives included). */
export function parseAptDepends(text: string): string[] {
  const deps: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s+\|?(?:Pre)?Depends:\s+<?([^\s>]+)>?/.exec(line);
    if (m) deps.push(m[1]);
  }
  return deps;
}

export class PrivateApt {
  readonly sourcesList: string;
  readonly keyring: string | null;

  constructor(readonly config: PrivateAptConfig) {
    this.sourcesList = join(config.root, 'sources.list');
    this.keyring =
      config.keyring === undefined ? (existsSync(DEBIAN_KEYRING) ? DEBIAN_KEYRING : null) : config.keyring;
  }

  /** The -o options that point apt at the private files and the guest architecture. */
  options(): string[] {
    const { root, arch } = this.config;
    const settings = [
      `Dir::Etc::SourceList=${this.sourcesList}`,
      'Dir::Etc::SourceParts=/dev/null',
      `Dir::Etc::Preferences=${join(root, 'preferences')}`,
      'Dir::Etc::PreferencesParts=/dev/null',
      `Dir::State=${join(root, 'state')}`,
      `Dir::State::status=${join(root, 'state', 'status')}`,
      `Dir::Cache=${join(root, 'cache')}`,
      `APT::Architecture=${arch}`,
      `APT::Architectures::=${arch}`,
      'Acquire::Languages=none',
      'APT::Sandbox::User=root',
    ];
    return settings.flatMap((s) => ['-o', s]);
  }

  /** The one sources line. */
  sourcesLine(): string {
    const { mirror, suite } = this.config;
    const component = this.config.component ?? 'main';
    const option = this.keyring === null ? 'trusted=yes' : `signed-by=${this.keyring}`;
    return `deb [${option}] ${mirror} ${suite} ${component}\n`;
  }

  private prepare(): void {
    const { root } = this.config;
    for (const dir of ['state/lists/partial', 'cache/archives/partial']) {
      mkdirSync(join(root, dir), { recursive: true });
    }
    writeFileSync(this.sourcesList, this.sourcesLine());
    writeFileSync(join(root, 'preferences'), '');
    if (!existsSync(join(root, 'state', 'status'))) writeFileSync(join(root, 'state', 'status'), '');
  }

  private aptGet(args: string[], cwd?: string): Promise<RunResult> {
    return runTool('apt-get', [...this.options(), ...args], { cwd, debianPackage: 'apt' });
  }

  private aptCache(args: string[]): Promise<RunResult> {
    return runTool('apt-cache', [...this.options(), ...args], { debianPackage: 'apt' });
  }

  /** Fetch the package index. */
  async update(): Promise<void> {
    this.prepare();
    // apt-get update exits 0 when an index cannot be fetched ("W: Failed to fetch"):
    // --error-on=any turns that into a failure, and the output is checked as well.
    const { stdout, stderr } = await this.aptGet(['-q', '--error-on=any', 'update']);
    const output = stdout + stderr;
    if (/^(Err:|E:|W: Failed to fetch|W: Some index files failed)/m.test(output)) {
      throw new CommandError('apt-get update', 0, output);
    }
  }

  /** Direct dependencies of a package. */
  async depends(name: string): Promise<string[]> {
    return parseAptDepends((await this.aptCache(['depends', name])).stdout);
  }

  /** The candidate version's control fields. */
  async show(name: string): Promise<PackageInfo> {
    const { stdout } = await this.aptCache(['show', '--no-all-versions', name]);
    const fields = parseControlStanza(stdout);
    const version = fields.get('Version');
    if (!version) throw new Error(`apt-cache show ${name} gave no version`);
    return { name: fields.get('Package') ?? name, version, fields };
  }

  /** Download packages' .deb files into dir; returns package name → file path. */
  async download(names: readonly string[], dir: string): Promise<Map<string, string>> {
    mkdirSync(dir, { recursive: true });
    await this.aptGet(['-q', 'download', ...names], dir);
    const files = readdirSync(dir).filter((f) => f.endsWith('.deb'));
    const result = new Map<string, string>();
    for (const name of names) {
      const file = files.find((f) => f.startsWith(`${name}_`));
      if (file === undefined) throw new Error(`apt-get download left no .deb for ${name} in ${dir}`);
      result.set(name, join(dir, file));
    }
    return result;
  }
}
