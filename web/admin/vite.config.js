// Cadres' PC console, served at "/admin/".
// Build from the repository root: npx vite build --config web/admin/vite.config.js
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

const here = (p) => fileURLToPath(new URL(p, import.meta.url))

export default defineConfig({
  root: here('.'),
  base: '/admin/',
  publicDir: here('./public'),
  plugins: [vue()],
  resolve: {
    alias: {
      '@common': here('../common'),
    },
  },
  build: {
    outDir: here('../dist/admin'),
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2020',
  },
  server: {
    // `make run` serves the API on 127.0.0.1:8080; `npx vite --config web/admin/vite.config.js` proxies to it.
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
})
