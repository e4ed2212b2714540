// The web console's build: Preact through esbuild's JSX transform (no Babel), one hashed bundle
// under dist/console-ui, served by `entryway serve` at /console/.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: fileURLToPath(new URL('../dist/console-ui', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // The CSP allows no inline code: no module-preload polyfill injected into the page.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: true,
  },
  logLevel: 'warn',
});
