/**
 * Headers on every response: cross-origin isolation (SharedArrayBuffer for multi-threaded ORT WASM,
 * https://web.dev/articles/coop-coep), a Content-Security-Policy, no framing, no referrer.
 *
 * The CSP is one policy for the playground and Swagger UI at `/docs/`, and it also reaches the
 * workers, whose scripts are served from here: scripts only from this origin, plus
 * 'wasm-unsafe-eval' (compiling ORT's and ffmpeg.wasm's WebAssembly needs it,
 * https://developer.chrome.com/docs/extensions/reference/manifest/content-security-policy) and blob:
 * for workers that Emscripten's pthreads may start from blob URLs. Inline styles stay allowed: Svelte
 * style attributes and Swagger UI's page use them, and styles cannot run code. Images, video and
 * downloads of generated clips are blob: URLs; Swagger UI's icons are data: URLs. The page may fetch from
 * any https: origin, because the settings add model packages from any URL (CORS permitting); scripts,
 * workers, frames and forms stay on this origin, so this only widens where data can be read from. Plain
 * http origins (a LAN server, another Phosphene on localhost) are added with `CONNECT_SRC`.
 */
import type { RequestHandler } from 'express';

/** The Content-Security-Policy the server sends (with `connect` origins added to connect-src, see below). */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval' blob:",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self' blob: data: https:",
  "font-src 'self' data:",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The policy with other servers the playground may call added to connect-src (`CONNECT_SRC`: its
 * settings can name a Phosphene server on another origin, which must list this one in its CORS_ORIGINS).
 */
export function contentSecurityPolicy(connect: readonly string[] = []): string {
  if (connect.length === 0) return CONTENT_SECURITY_POLICY;
  return CONTENT_SECURITY_POLICY.replace(
    "connect-src 'self' blob: data: https:",
    `connect-src 'self' blob: data: https: ${connect.join(' ')}`,
  );
}

/** Sets the headers above; a route may loosen CORP afterwards (the signed video download does). */
export const securityHeaders = (connect: readonly string[] = []): RequestHandler => {
  const policy = contentSecurityPolicy(connect);
  return (_req, res, next) => {
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', policy);
    res.setHeader('X-Frame-Options', 'DENY');
    // Nothing we link to needs to know where the user came from (a result page holds signed URLs).
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  };
};
