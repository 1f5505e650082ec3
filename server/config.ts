/** Reads the server's configuration from the environment, with defaults that need nothing installed. */
import path from 'node:path';
import { z } from 'zod';

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  HOST: z.string().min(1).default('127.0.0.1'),
  MODEL_DIRS: z.string().min(1).default('models'),
  DIST_DIR: z.string().min(1).default('dist'),
  CORS_ORIGINS: z.string().default(''),
  CONNECT_SRC: z.string().default(''),
});

/**
 * A comma-separated list of origins (`scheme://host[:port]`, nothing after it), e.g. for CORS_ORIGINS
 * `https://app.example.com, http://localhost:5173`. Anything else is refused by name.
 */
function origins(list: string, variable: string): string[] {
  return list
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)
    .map((o) => {
      let url: URL | null = null;
      try {
        url = new URL(o);
      } catch {
        // reported below
      }
      if (!url || !/^https?:$/.test(url.protocol) || url.origin !== o.replace(/\/$/, ''))
        throw new Error(`Bad server environment: ${variable}: "${o}" is not an origin like https://app.example.com.`);
      return url.origin;
    });
}

/** The server's settings. */
export interface ServerConfig {
  port: number;
  host: string;
  modelDirs: string[];
  distDir: string;
  /** Origins whose pages may call the API (CORS), e.g. a playground served elsewhere. */
  corsOrigins: string[];
  /** Other servers the playground served from here may talk to (its Content-Security-Policy's connect-src). */
  connectSrc: string[];
}

/** Parses `env`, throwing a message that names the bad variable and the rule. */
export function readConfig(env: NodeJS.ProcessEnv): ServerConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Bad server environment: ${problems}.`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    modelDirs: e.MODEL_DIRS.split(path.delimiter)
      .filter(Boolean)
      .map((d) => path.resolve(d)),
    distDir: path.resolve(e.DIST_DIR),
    corsOrigins: origins(e.CORS_ORIGINS, 'CORS_ORIGINS'),
    connectSrc: origins(e.CONNECT_SRC, 'CONNECT_SRC'),
  };
}
