// `npm run bench`: runs the benchmark sections (sections.ts) and prints a table for each, then one
// line of JSON with every result. Usage: node dist/bench/main.js [--only NAME] [--runs N] [--small] [--json]
import { cpus, platform, arch } from 'node:os';
import v8 from 'node:v8';
import { sections } from './sections.js';
import { raiseMallocThresholds } from '../src/host/malloc-thresholds.js';
import { configureV8Tiers } from '../src/host/v8-tiers.js';
import type { BenchContext, BenchSection, SectionReport } from './section.js';
import { formatTable } from './table.js';
import { repoRoot } from './paths.js';

const USAGE = `usage: npm run bench -- [options]

  --only NAME   run one section, or one item of a section (e.g. a workload)
  --runs N      timed runs per measurement, best kept, the same for rvisor and QEMU
                (default: 5 for the workloads, 3 for the boots)
  --small       use the small inputs (a quick check that everything runs; the numbers mean little)
  --json        print only the JSON result line on stdout (progress still goes to stderr)
  --list        list the sections and their items
  --help`;

interface Options {
  only: string | undefined;
  runs: number | undefined;
  small: boolean;
  json: boolean;
  list: boolean;
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): Options {
  const opts: Options = { only: undefined, runs: undefined, small: false, json: false, list: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--only':
        opts.only = value();
        break;
      case '--runs': {
        const v = value();
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1 || n > 100)
          throw new UsageError(`--runs wants a count from 1 to 100, not ${v}`);
        opts.runs = n;
        break;
      }
      case '--small':
        opts.small = true;
        break;
      case '--json':
        opts.json = true;
        break;
      case '--list':
        opts.list = true;
        break;
      case '--help':
      case '-h':
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        throw new UsageError(`unknown argument ${arg}`);
    }
  }
  return opts;
}

/** The sections to run and, for each, the item --only picked (if it named an item, not a section). */
function select(only: string | undefined): { section: BenchSection; item: string | undefined }[] {
  if (only === undefined) return sections.map((section) => ({ section, item: undefined }));
  const bySection = sections.filter((s) => s.name === only);
  if (bySection.length > 0) return bySection.map((section) => ({ section, item: undefined }));
  const byItem = sections.filter((s) => s.items.includes(only));
  if (byItem.length > 0) return byItem.map((section) => ({ section, item: only }));
  const names = sections.flatMap((s) => [s.name, ...s.items]);
  throw new UsageError(`--only ${only}: no such section or item (have: ${names.join(', ')})`);
}

function printReport(report: SectionReport): void {
  console.log(`\n${report.title}\n`);
  if (report.rows.length > 0) console.log(formatTable(report.columns, report.rows));
  if (report.notes.length > 0) {
    console.log('');
    for (const note of report.notes) console.log(`  * ${note}`);
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  raiseMallocThresholds();
  configureV8Tiers();
  // Every run of a workload or boot translates and compiles its pages anew, as a fresh process
  // would (and as QEMU's runs do): V8 would otherwise reuse the module an earlier run compiled
  // from identical bytes, and a second run would skip its compilation.
  v8.setFlagsFromString('--no-wasm-native-module-cache-enabled');
  let opts: Options;
  let plan: ReturnType<typeof select>;
  try {
    opts = parseArgs(argv);
    plan = select(opts.only);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`bench: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (opts.list) {
    for (const s of sections)
      console.log(`${s.name}: ${s.description}\n  items: ${s.items.join(', ') || '-'}`);
    return 0;
  }

  const host = {
    node: process.version,
    platform: `${platform()}-${arch()}`,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
  };
  if (!opts.json)
    console.log(`rvisor bench: Node ${host.node} on ${host.platform}, ${host.cpu} (${host.cores} cores)`);

  const results: Record<string, unknown> = {};
  let failed = false;
  for (const { section, item } of plan) {
    const ctx: BenchContext = {
      root: repoRoot,
      runs: opts.runs,
      only: item,
      small: opts.small,
      log: (message) => console.error(`[${section.name}] ${message}`),
    };
    const report = await section.run(ctx);
    failed ||= report.failed;
    results[section.name] = report.data;
    if (!opts.json) printReport(report);
  }

  const json = {
    bench: 'rvisor',
    version: 1,
    date: new Date().toISOString(),
    host,
    options: { only: opts.only ?? null, runs: opts.runs ?? null, small: opts.small },
    ok: !failed,
    sections: results,
  };
  if (!opts.json) console.log('');
  // Six significant digits are plenty for times and rates.
  console.log(
    JSON.stringify(json, (_key, v: unknown) =>
      typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v,
    ),
  );
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(2);
  },
);
