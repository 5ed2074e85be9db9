#!/usr/bin/env node
// Entry point for `npx rvisor`: the CLI lives in the compiled tree (run `npm run build` first).
import { main } from '../dist/src/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`rvisor: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
