// After `tsc -p tsconfig.build.json`: the files the compiled server needs next to its modules that
// tsc does not emit. Run by `npm run build`; plain Node, no dependencies.
import { cpSync, existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// The build folder: dist/ (npm run build), or another one (the build test compiles into test-artifacts/).
const dist = process.argv[2] ? resolve(process.argv[2]) : join(root, 'dist');
if (!existsSync(join(dist, 'app', 'main.js'))) throw new Error(`${join(dist, 'app', 'main.js')} is missing: run tsc -p tsconfig.build.json first`);

// The model worker's entry. From source it registers tsx and imports model-worker.ts; compiled, the
// worker is plain JavaScript and needs no loader.
writeFileSync(
  join(dist, 'nlu', 'model-worker-boot.mjs'),
  '// Worker entry of the compiled build (written by deploy/postbuild.mjs): the worker is plain JavaScript.\nawait import(\'./model-worker.js\');\n',
);
// Read at run time relative to their module (import.meta.url).
cpSync(join(root, 'retrieval', 'calibration.json'), join(dist, 'retrieval', 'calibration.json'));
cpSync(join(root, 'web', 'public'), join(dist, 'web', 'public'), { recursive: true });
console.log(`${dist}: model worker entry, retrieval/calibration.json and web/public copied`);
