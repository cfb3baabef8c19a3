import { defineConfig } from 'vite';

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
  },
  server: {
    // `npm run dev` forwards /api to the locally running nginx (make run).
    proxy: {
      '/api': 'http://127.0.0.1:8123',
    },
  },
});
