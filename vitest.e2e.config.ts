import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    environment: 'node',
    fileParallelism: false,
    globalSetup: ['test/lab/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // expect.poll waits on real nodes and a real browser: 1 s (vitest's default) is too short on a
    // loaded 2-core machine, and a poll that gives up early fails a test that was right.
    expect: { poll: { timeout: 10_000 } }
  }
})
