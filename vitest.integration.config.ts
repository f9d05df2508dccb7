import { defineConfig } from 'vitest/config'

// Lab tests share one set of namespaces, so files run one at a time.
export default defineConfig({
  test: {
    include: ['test/integration/**/*.test.ts', 'test/lab/**/*.test.ts'],
    environment: 'node',
    fileParallelism: false,
    globalSetup: ['test/lab/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000
  }
})
