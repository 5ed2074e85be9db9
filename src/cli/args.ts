// A small argument parser for QEMU-like options: `--name value`, `--name=value`, `-name value`,
// and boolean flags.

export interface OptionSpec {
  /** Takes a value (otherwise a boolean flag). */
  value: boolean;
  help: string;
  /** May be given more than once; every value is kept, in order, in `all` (e.g. --drive). */
  repeatable?: boolean;
}

export class UsageError extends Error {}

export function parseOptions(
  argv: string[],
  specs: Record<string, OptionSpec>,
): { options: Map<string, string | true>; positional: string[]; all: Map<string, string[]> } {
  // `options` keeps the last value of each option; `all` every value of the repeatable ones.
  const options = new Map<string, string | true>();
  const all = new Map<string, string[]>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const spec = specs[name];
    if (spec === undefined) throw new UsageError(`unknown option '${arg}'`);
    if (!spec.value) {
      if (eq >= 0) throw new UsageError(`option '--${name}' takes no value`);
      options.set(name, true);
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = body.slice(eq + 1);
    else value = argv[++i];
    if (value === undefined) throw new UsageError(`option '--${name}' needs a value`);
    options.set(name, value);
    if (spec.repeatable) all.set(name, [...(all.get(name) ?? []), value]);
  }
  return { options, positional, all };
}

export function usageText(command: string, specs: Record<string, OptionSpec>): string {
  const lines = [`usage: rvisor ${command} [options]`, ''];
  for (const [name, spec] of Object.entries(specs)) {
    const help = spec.repeatable ? `${spec.help} (repeatable)` : spec.help;
    lines.push(`  --${name}${spec.value ? ' VALUE' : ''}`.padEnd(28) + help);
  }
  return lines.join('\n');
}
