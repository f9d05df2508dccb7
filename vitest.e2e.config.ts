import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    environment: 'node',
    fileParallelism: false,
    globalSetup: ['test/lab/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000
  }
})
