// Locations the benchmarks use. The compiled modules live in dist/bench/, two levels below the root.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const programsDir = join(repoRoot, 'bench', 'programs');
export const buildDir = join(repoRoot, 'bench', 'build');
