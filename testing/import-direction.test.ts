import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The layout's rules (ARCHITECTURE.md), checked on every relative import of every TypeScript file:
// production never imports eval, bench, tools, testing or examples code; the components never import
// the parts that assemble or drive them; the dialogue (bot/) never imports the app, the channels, the
// desk, linking or the web pages; the desk and linking see the gateway only through its port. Reads
// the sources, so it fails the moment a new import breaks a rule.

const ROOT = resolve(import.meta.dirname, '..');
/** Folders whose code only runs from the command line or under test; they may import anything. */
const NON_PRODUCTION = new Set(['eval', 'bench', 'tools', 'testing', 'examples']);
/** The parts that assemble or drive the components. */
const DRIVERS = ['app', 'api', 'channels', 'bot', 'desk', 'linking', 'web'];
/** The components and what each may import besides itself. */
const COMPONENTS: Record<string, readonly string[]> = {
  core: [],
  store: ['core'],
  nlu: ['core', 'store'],
  reviews: ['core', 'store', 'nlu'],
  retrieval: ['core', 'store', 'nlu'],
  recommender: ['core', 'store', 'nlu'],
};
/** What the dialogue (bot/) may import besides itself: the store, core and the components it asks. */
const BOT_MAY_IMPORT = ['core', 'store', 'nlu', 'retrieval', 'recommender', 'reviews'];
/** The only files of channels/ the desk and linking may import (type-only modules: the gateway's port, inbound messages). */
const GATEWAY_PORT = ['channels/gateway-port.ts', 'channels/inbound.ts'];
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

  it('the dialogue (bot/) never imports the app, channels, desk, linking or the web pages', () => {
    const bad: string[] = [];
    for (const f of files.filter((f) => isProduction(f) && folderOf(f) === 'bot')) {
      for (const t of importsOf(f)) {
        const to = folderOf(t);
        if (to !== 'bot' && !BOT_MAY_IMPORT.includes(to)) bad.push(`${f} -> ${t}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('the desk and linking see the gateway only through its port', () => {
    const bad: string[] = [];
    for (const f of files.filter((f) => isProduction(f) && (folderOf(f) === 'desk' || folderOf(f) === 'linking'))) {
      for (const t of importsOf(f)) {
        const to = folderOf(t);
        if (to === 'channels' ? !GATEWAY_PORT.includes(t) : ['app', 'api', 'web'].includes(to)) bad.push(`${f} -> ${t}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("the gateway's port and inbound messages import no channel, desk or linking code", () => {
    const bad = GATEWAY_PORT.flatMap((f) => importsOf(f).filter((t) => ['channels', 'desk', 'linking'].includes(folderOf(t)) && !GATEWAY_PORT.includes(t)).map((t) => `${f} -> ${t}`));
    expect(bad).toEqual([]);
  });

  it('nothing but the app imports the app', () => {
    const bad: string[] = [];
    for (const f of files.filter((f) => isProduction(f) && folderOf(f) !== 'app')) {
      for (const t of importsOf(f)) if (folderOf(t) === 'app') bad.push(`${f} -> ${t}`);
    }
    expect(bad).toEqual([]);
  });

  it('the rules see every folder of production code', () => {
    const known = new Set([...Object.keys(COMPONENTS), ...DRIVERS]);
    const unknown = [...new Set(files.filter(isProduction).map(folderOf))].filter((d) => !known.has(d));
    expect(unknown).toEqual([]);
  });
});
