/**
 * Upstream providers: other Phosor-compatible servers this one may forward jobs to, read from
 * `UPSTREAMS` (a JSON array) or `UPSTREAMS_FILE` (the path of one; keeps the keys out of the process list).
 * The operator names them, so their URLs may be private (two instances on one machine); only the result
 * URLs an upstream answers with are vetted (`forward.ts`).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** The name jobs use for this server's own workers in routing preferences. */
export const LOCAL_PROVIDER = 'local';

const upstreamSchema = z.object({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, {
      error: 'must be 1 to 32 of a-z, 0-9, _ and -, starting with a letter or digit',
    })
    .refine((name) => name !== LOCAL_PROVIDER, { error: `"${LOCAL_PROVIDER}" names this server's own workers` }),
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. https://gpu.example.com' }),
  api_key: z.string().min(1, { error: "must be the upstream's X-API-Key" }),
  /**
   * Model ids this upstream really serves; jobs for them go there before this server's alias. Absent:
   * it may serve any id, and is only a fallback.
   */
  models: z.array(z.string().min(1)).optional(),
  /** Jobs this server forwards to it at once (default 4). */
  max_concurrent: z.number().int().min(1).max(64).default(4),
  /** How often a forwarded job's status is polled (default 1000 ms). */
  poll_ms: z.number().int().min(10).max(60_000).default(1000),
});

/** One configured upstream. */
export type Upstream = z.infer<typeof upstreamSchema>;

const upstreamsSchema = z.array(upstreamSchema).superRefine((list, ctx) => {
  const seen = new Set<string>();
  for (const [i, upstream] of list.entries()) {
    if (seen.has(upstream.name))
      ctx.addIssue({
        code: 'custom',
        path: [i, 'name'],
        message: `"${upstream.name}" is used twice; names must be unique`,
      });
    seen.add(upstream.name);
  }
});

/** Parses an upstream list, throwing a message that names the entry and the rule. */
export function parseUpstreams(json: string, source: string): Upstream[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new Error(`${source} is not JSON (${(error as Error).message}); give an array of { name, url, api_key }.`);
  }
  const parsed = upstreamsSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${['', ...i.path].join('.') || '.'}: ${i.message}`);
    throw new Error(`Bad upstream list in ${source}: ${problems.join('; ')}.`);
  }
  return parsed.data.map((u) => ({ ...u, url: u.url.replace(/\/+$/, '') }));
}

/** The upstreams of `env` (UPSTREAMS, else UPSTREAMS_FILE); none when neither is set. */
export function readUpstreams(env: NodeJS.ProcessEnv): Upstream[] {
  if (env.UPSTREAMS && env.UPSTREAMS_FILE) throw new Error('Set UPSTREAMS or UPSTREAMS_FILE, not both.');
  if (env.UPSTREAMS) return parseUpstreams(env.UPSTREAMS, 'UPSTREAMS');
  if (!env.UPSTREAMS_FILE) return [];
  let text: string;
  try {
    text = readFileSync(env.UPSTREAMS_FILE, 'utf8');
  } catch (error) {
    throw new Error(`UPSTREAMS_FILE ${env.UPSTREAMS_FILE} cannot be read: ${(error as Error).message}.`);
  }
  return parseUpstreams(text, `UPSTREAMS_FILE ${env.UPSTREAMS_FILE}`);
}
