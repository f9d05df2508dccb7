import { resolve } from 'node:path'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  // The renderer's pure modules import the contract as '@api/...' (as electron.vite.config.ts maps it).
  resolve: { alias: { '@api': resolve(__dirname, 'electron/api') } },
  test: { include: ['test/unit/**/*.test.ts'], environment: 'node', testTimeout: 20_000 }
})
