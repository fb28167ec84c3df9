/**
 * The console's build. Riposte serves the result at /console (src/api/console/bundle.ts builds it at
 * start when the sources changed, `npm run build:console` for an image). No dev server: what a
 * checkout serves is what production serves, under the same Content-Security-Policy.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  // JSX through Vite's own transform (no React plugin: nothing here needs fast refresh).
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    // No inline scripts or styles, which the console's CSP refuses: Vite's module-preload polyfill
    // is the only inline script it would add.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1024,
  },
  logLevel: 'warn',
});
