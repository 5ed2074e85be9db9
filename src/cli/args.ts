// A small argument parser for QEMU-like options: `--name value`, `--name=value`, `-name value`,
// and boolean flags.

export interface OptionSpec {
  /** Takes a value (otherwise a boolean flag). */
  value: boolean;
  help: string;
}

export class UsageError extends Error {}

export function parseOptions(
  argv: string[],
  specs: Record<string, OptionSpec>,
): { options: Map<string, string | true>; positional: string[] } {
  const options = new Map<string, string | true>();
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
  }
  return { options, positional };
}

export function usageText(command: string, specs: Record<string, OptionSpec>): string {
  const lines = [`usage: rvisor ${command} [options]`, ''];
  for (const [name, spec] of Object.entries(specs)) {
    lines.push(`  --${name}${spec.value ? ' VALUE' : ''}`.padEnd(28) + spec.help);
  }
  return lines.join('\n');
}
