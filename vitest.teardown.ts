import { rmSync } from 'node:fs';
import { templateRoot } from './bot/test-template.js';

// Global setup/teardown of the test run: removes the warm data folder built by bot/test-template.ts.
export default function setup(): () => void {
  return () => rmSync(templateRoot(process.pid), { recursive: true, force: true });
}
