// The shape of one benchmark section. `npm run bench` runs every section registered in sections.ts
// (or the one that --only names) and prints each one's table, then one JSON line for all of them.

/** What the harness hands to a section. */
export interface BenchContext {
  /** Absolute path of the repository root. */
  readonly root: string;
  /** Timed runs per measurement when the user gave --runs; otherwise the section picks its default. */
  readonly runs: number | undefined;
  /** An item of this section that --only selected (undefined: run all of them). */
  readonly only: string | undefined;
  /** --small: use the small inputs (a quick smoke run; the numbers mean little). */
  readonly small: boolean;
  /** Progress messages; they go to stderr so that stdout stays a table or pure JSON. */
  log(message: string): void;
}

export interface Column {
  readonly header: string;
  readonly align: 'left' | 'right';
}

export interface SectionReport {
  readonly title: string;
  readonly columns: readonly Column[];
  readonly rows: readonly (readonly string[])[];
  /** Printed under the table: how the numbers were taken, what was skipped and why. */
  readonly notes: readonly string[];
  /** The section's results for the JSON line. */
  readonly data: unknown;
  /** True when something the section ran failed (a workload's self-check, a crash, a timeout). */
  readonly failed: boolean;
}

export interface BenchSection {
  /** Short name, used by --only and as the key in the JSON output. */
  readonly name: string;
  readonly description: string;
  /** Names of the section's items that --only also accepts (e.g. single workloads). */
  readonly items: readonly string[];
  run(ctx: BenchContext): Promise<SectionReport>;
}
