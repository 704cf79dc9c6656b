// Builds the demo-store fixtures (fixtures/store/*.jsonl, manifest, README, LICENSES) from the
// public datasets. Deterministic: same input -> byte-identical output.
//
//   npx tsx tools/build-fixtures.ts [--datasets ../shared/datasets] [--out fixtures]
//
// Relative paths are resolved against the repository root (the parent of tools/), so the command
// works from any working directory.

import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFixtures } from './fixtures/build.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function usage(): never {
  process.stderr.write('usage: npx tsx tools/build-fixtures.ts [--datasets ../shared/datasets] [--out fixtures]\n');
  process.exit(2);
}

function parseArgs(argv: string[]): { datasets: string; out: string } {
  let datasets = '../shared/datasets';
  let out = 'fixtures';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const eq = a.indexOf('=');
    const [flag, inline] = a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') usage();
      return v;
    };
    if (flag === '--datasets') datasets = value();
    else if (flag === '--out') out = value();
    else if (flag === '--help' || flag === '-h') usage();
    else {
      process.stderr.write(`unknown argument ${a}\n`);
      usage();
    }
  }
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(REPO_ROOT, p));
  return { datasets: abs(datasets), out: abs(out) };
}

function main(): void {
  const { datasets, out } = parseArgs(process.argv.slice(2));
  const quiet = process.env.SHOPBOT_QUIET === '1';
  const log = (s: string): void => {
    if (!quiet) process.stderr.write(`build-fixtures: ${s}\n`);
  };
  log(`datasets ${datasets} -> ${out}`);
  const report = buildFixtures(datasets, out, log);
  for (const [file, n] of Object.entries(report.counts)) log(`${file}: ${n}`);
  for (const note of report.notes) log(note);
  log(`total ${(report.totalBytes / 1024 / 1024).toFixed(2)} MB`);
}

try {
  main();
} catch (e) {
  process.stderr.write(`build-fixtures: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
}
