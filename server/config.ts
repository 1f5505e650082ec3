/** Reads the server's configuration from the environment, with defaults that need nothing installed. */
import path from 'node:path';
import { z } from 'zod';

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  HOST: z.string().min(1).default('127.0.0.1'),
  MODEL_DIRS: z.string().min(1).default('models'),
  DIST_DIR: z.string().min(1).default('dist'),
});

/** The server's settings. */
export interface ServerConfig {
  port: number;
  host: string;
  modelDirs: string[];
  distDir: string;
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
  };
}
