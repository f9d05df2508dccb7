import { resolve } from 'node:path'
import { defineConfig, externalizeDepsPlugin } from 'electron-vite'
import vue from '@vitejs/plugin-vue'

// One build for the three Electron targets. The renderer output (out/renderer) is also what
// browser mode serves, so the browser tests exercise the exact bundle the app ships.
export default defineConfig({
  main: {
    // node-pty is an optionalDependency, which the plugin does not externalize by itself: a
    // native module must stay a run-time require (and may be missing: local-pty.ts).
    plugins: [externalizeDepsPlugin({ include: ['node-pty'] })],
    build: { rollupOptions: { input: { index: resolve(__dirname, 'electron/main/index.ts') } } }
  },
  preload: {
    plugins: [externalizeDepsPlugin()],
    build: { rollupOptions: { input: { index: resolve(__dirname, 'electron/preload/index.ts') } } }
  },
  renderer: {
    root: resolve(__dirname, 'renderer'),
    resolve: { alias: { '@api': resolve(__dirname, 'electron/api') } },
    build: { rollupOptions: { input: { index: resolve(__dirname, 'renderer/index.html') } } },
    plugins: [
      vue(),
      // The Vite dev server injects SFC styles as <style> elements, which the strict CSP in
      // index.html blocks; relax style-src for `electron-vite dev` only. Builds keep the strict CSP.
      {
        name: 'havip-dev-csp',
        apply: 'serve',
        transformIndexHtml: (html: string) => html.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
      }
    ]
  }
})
