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
    // Tests of the hand-off queue accept chats themselves; the auto-assignment tests set 'auto'.
    env: { SHOPBOT_ASSIGNMENT: 'manual' },
  },
});
