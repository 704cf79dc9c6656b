import { defineConfig } from 'vitest/config';

// Tests load the real ONNX model and open real SQLite files and sockets: give them room,
// and run files in separate forks so native addons never share a process by accident.
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'data/**'],
    pool: 'forks',
    globalSetup: ['./vitest.teardown.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Tests of the hand-off queue accept chats themselves and may take their time to answer; the
    // assignment tests (desk/assignment*.test.ts) set auto-assignment and a reply timeout.
    env: { SHOPBOT_ASSIGNMENT: 'manual', SHOPBOT_REPLY_TIMEOUT: '0' },
  },
});
