import { defineConfig } from 'vitest/config';

// No @vitejs/plugin-react: esbuild compiles TSX with the automatic JSX runtime.
// base './' keeps every asset URL in dist/index.html relative, so the build
// works when nginx serves web/dist at "/" (and under any prefix).
export default defineConfig({
  base: './',
  esbuild: {
    jsx: 'automatic',
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    target: 'es2020',
    // The charting and map libraries are big but only the vehicle pages load
    // them (lazy routes); the entry chunk stays ~100 KB gzip.
    chunkSizeWarningLimit: 450,
    rollupOptions: {
      onwarn(warning, warn) {
        // React Query and React Router mark modules "use client" (for RSC); harmless here.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
      output: {
        manualChunks(id) {
          if (!id.includes('node_modules')) return undefined;
          // The framework the entry needs anyway (listed first: a manual chunk
          // otherwise pulls its unassigned dependencies, React included, in).
          if (/node_modules\/(react|react-dom|scheduler|react-router|cookie|set-cookie-parser|@tanstack|zustand|use-sync-external-store)\//.test(id)) return 'vendor';
          if (/node_modules\/(recharts|d3-[a-z-]+|victory-vendor|recharts-scale|decimal\.js-light|react-smooth|lodash|eventemitter3|internmap|tiny-invariant|fast-equals|react-is|prop-types|dom-helpers|react-transition-group|clsx)\//.test(id)) return 'charts';
          if (/node_modules\/leaflet\//.test(id)) return 'leaflet';
          return undefined;
        },
      },
    },
  },
  server: {
    // `npm run dev` forwards /api to the locally running nginx (make run).
    proxy: {
      '/api': 'http://127.0.0.1:8123',
    },
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
  },
});
