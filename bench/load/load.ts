/**
 * Closed-loop HTTP load: N clients, each sending its next request when the last one answered, over
 * kept-alive connections (one per client). Plain `node:http` rather than `fetch`: the generator shares the
 * 2 cores with the server it measures, and undici's per-request cost was a large share of them.
 */
import http from 'node:http';

/** One GET over `agent`: the status code once the whole body has arrived. */
function get(url: string, headers: Record<string, string>, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** What a run measured. */
export interface LoadResult {
  requests: number;
  failures: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

/**
 * Runs `clients` loops for `ms` after a warm-up of `warmupMs` (not counted); client i fetches `urlOf(i)`
 * with `headersOf(i)`. A non-2xx answer or a network error counts as a failure.
 */
export async function closedLoop(options: {
  clients: number;
  ms: number;
  warmupMs: number;
  urlOf(i: number): string;
  headersOf?(i: number): Record<string, string>;
}): Promise<LoadResult> {
  const latencies: number[] = [];
  let failures = 0;
  const start = performance.now();
  const measureFrom = start + options.warmupMs;
  const end = measureFrom + options.ms;
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.clients });
  const client = async (i: number) => {
    const url = options.urlOf(i);
    const headers = options.headersOf?.(i) ?? {};
    while (performance.now() < end) {
      const sent = performance.now();
      let ok = false;
      try {
        const status = await get(url, headers, agent);
        ok = status >= 200 && status < 300;
      } catch {
        ok = false;
      }
      if (sent >= measureFrom) {
        latencies.push(performance.now() - sent);
        if (!ok) failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: options.clients }, (_, i) => client(i)));
  agent.destroy();
  const seconds = options.ms / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  return {
    requests: sorted.length,
    failures,
    seconds,
    perSecond: sorted.length / seconds,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted.at(-1) ?? 0,
  };
}
