import { rmSync } from 'node:fs';
import { templateRoot } from './testing/test-template.js';

// Global setup/teardown of the test run: removes the warm data folder built by testing/test-template.ts.
export default function setup(): () => void {
  // A template named by SHOPBOT_TEST_TEMPLATE is the developer's to keep between runs.
  return () => {
    if (!process.env.SHOPBOT_TEST_TEMPLATE) rmSync(templateRoot(process.pid), { recursive: true, force: true });
  };
}
