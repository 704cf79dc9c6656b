import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The layout's rules (ARCHITECTURE.md), checked on every relative import of every TypeScript file:
// production never imports eval, bench, tools, testing or examples code, and the components never
// import the parts that assemble or drive them. Reads the sources, so it fails the moment a new
// import breaks a rule.

const ROOT = resolve(import.meta.dirname, '..');
/** Folders whose code only runs from the command line or under test; they may import anything. */
const NON_PRODUCTION = new Set(['eval', 'bench', 'tools', 'testing', 'examples']);
/** The components and what each may import besides itself. */
const COMPONENTS: Record<string, readonly string[]> = {
  core: [],
  store: ['core'],
  nlu: ['core', 'store'],
  reviews: ['core', 'store', 'nlu'],
  retrieval: ['core', 'store', 'nlu'],
  recommender: ['core', 'store', 'nlu'],
};
const SKIP_DIRS = new Set(['node_modules', 'data', 'public', 'fixtures', 'models', 'test-artifacts', 'walk-shots', '.git']);

const isTestCode = (file: string): boolean => /\.test\.ts$/.test(file) || /(^|\/)(test-[\w-]+|test-helpers|test-support)\.ts$/.test(file);
const folderOf = (file: string): string => file.split('/')[0]!;
const isProduction = (file: string): boolean => file.includes('/') && !NON_PRODUCTION.has(folderOf(file)) && !isTestCode(file);

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (SKIP_DIRS.has(name) || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (/\.(ts|mts)$/.test(name) && !name.endsWith('.d.ts')) out.push(relative(ROOT, path));
  }
  return out;
}

/** Every relative import (static, dynamic, `export … from`) of a file, as repository paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specs = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]!);
  return specs.map((s) => relative(ROOT, resolve(ROOT, dirname(file), s)).replace(/\.(js|mjs)$/, '.ts'));
}

const files = sources(ROOT);

describe('import direction', () => {
  it('finds the sources it checks', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files).toContain('store/migrations.ts');
  });

  it('production code never imports eval, bench, tools, testing, examples or test helpers', () => {
    const bad: string[] = [];
    for (const f of files.filter(isProduction)) {
      for (const t of importsOf(f)) {
        if (NON_PRODUCTION.has(folderOf(t)) || isTestCode(t)) bad.push(`${f} -> ${t}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('components import only the components below them', () => {
    const bad: string[] = [];
    for (const f of files.filter(isProduction)) {
      const from = folderOf(f);
      const allowed = COMPONENTS[from];
      if (!allowed) continue;
      for (const t of importsOf(f)) {
        const to = folderOf(t);
        if (to !== from && !allowed.includes(to)) bad.push(`${f} -> ${t}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
