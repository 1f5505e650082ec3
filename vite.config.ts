/** Vite config for the playground: Svelte 5, ES-module workers, cross-origin isolation, PWA. */
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { MODEL_CACHE } from './src/shared/model-cache';

/** Multi-threaded ORT WASM needs SharedArrayBuffer, so dev and preview are cross-origin isolated like the server. */
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
const api = process.env.PHOSPHENE_API ?? 'http://127.0.0.1:8787';

export default defineConfig({
  plugins: [
    svelte(),
    VitePWA({
      registerType: 'autoUpdate',
      injectRegister: 'script-defer',
      includeAssets: ['icons/*.png', 'icons/*.svg'],
      manifest: {
        name: 'Phosphene',
        short_name: 'Phosphene',
        description: 'Short videos generated in your browser, on your own GPU.',
        theme_color: '#12101c',
        background_color: '#12101c',
        display: 'standalone',
        start_url: '/',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: '/icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        // The app shell and ORT's WebGPU wasm (27 MB) are precached so generation works offline after the
        // first visit; ffmpeg.wasm (31 MB, fallback only) is cached when first used.
        globPatterns: ['**/*.{js,mjs,css,html,svg,png,webmanifest,wasm}'],
        globIgnores: ['**/ffmpeg-core*'],
        maximumFileSizeToCacheInBytes: 40 * 1024 * 1024,
        navigateFallback: '/index.html',
        navigateFallbackDenylist: [/^\/api\//, /^\/models\//, /^\/health$/, /^\/docs/],
        cleanupOutdatedCaches: true,
        clientsClaim: true,
        skipWaiting: true,
        runtimeCaching: [
          {
            // Network first: a rebuilt package must not be served stale (its digests would not match).
            urlPattern: ({ url }) => url.pathname.startsWith('/models/') || url.pathname === '/api/v1/models',
            handler: 'NetworkFirst',
            options: { cacheName: MODEL_CACHE, networkTimeoutSeconds: 10 },
          },
          {
            urlPattern: ({ url }) => /ffmpeg-core/.test(url.pathname),
            handler: 'CacheFirst',
            options: { cacheName: 'phosphene-ffmpeg' },
          },
        ],
      },
    }),
  ],
  worker: { format: 'es' },
  // ORT and ffmpeg.wasm locate their wasm and worker files relative to their own modules.
  optimizeDeps: { exclude: ['onnxruntime-web', '@ffmpeg/ffmpeg', '@ffmpeg/util'] },
  server: {
    headers: isolation,
    proxy: { '/api': api, '/models': api, '/health': api },
  },
  preview: { headers: isolation },
  // Every browser the app runs in (es2022, WebCodecs) supports <link rel=modulepreload> natively; Vite's
  // polyfill for older ones was 0.3 KB gz of the 200 KB budget (https://caniuse.com/link-rel-modulepreload).
  build: { target: 'es2022', sourcemap: true, modulePreload: { polyfill: false } },
});
