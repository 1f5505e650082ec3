/**
 * Runs a job on an upstream: uploads its first frame if it has one, submits it with an idempotency key
 * derived from the job (a worker that restarts mid-job finds the same upstream job instead of paying
 * twice), follows its status, downloads the MP4 and returns it with the model the upstream says ran.
 * Cancelling our job cancels theirs.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Job } from '../jobs/job';
import type { ExecuteRun } from '../inference/job-executor';
import { fetchBuffer } from '../net/safe-fetch';
import type { AddressPolicy } from '../net/address-policy';
import { readJobImage, type ImageFiles } from '../worker/job-image';
import { UpstreamClient, UpstreamError } from './client';

/** What forwarding needs besides the job. */
export interface ForwardDeps {
  /** Where the job's uploaded image is read from. */
  files?: ImageFiles;
  /** The largest video accepted from an upstream (default 1 GiB). */
  maxVideoBytes?: number;
  /** Deadline of the video download (default 10 min). */
  downloadTimeoutMs?: number;
  /** Which addresses a result URL on another origin may reach (public ones by default). */
  policy?: AddressPolicy;
}

/** Status polls that may fail in a row (a restart of the upstream) before the job counts as failed there. */
const POLL_FAILURES_TOLERATED = 5;

/** The Phosor body of our job, with the model the client asked for (absent: the upstream's default). */
function submitBody(job: Job, imageKey: string | undefined): Record<string, unknown> {
  const p = job.params;
  return {
    prompt: p.prompt,
    negative_prompt: p.negative_prompt,
    ...(job.requestedModel ? { model: job.requestedModel } : {}),
    width: p.width,
    height: p.height,
    num_frames: p.num_frames,
    frames_per_second: p.frames_per_second,
    num_inference_steps: p.num_inference_steps,
    guidance_scale: p.guidance_scale,
    seed: p.seed,
    ...(imageKey ? { image_url: imageKey } : {}),
  };
}

/** An MP4 starts with an `ftyp` box. */
const looksLikeMp4 = (bytes: Uint8Array) =>
  bytes.length > 8 && String.fromCharCode(bytes[4]!, bytes[5]!, bytes[6]!, bytes[7]!) === 'ftyp';

async function download(client: UpstreamClient, url: URL, deps: ForwardDeps, signal: AbortSignal): Promise<Uint8Array> {
  const maxBytes = deps.maxVideoBytes ?? 2 ** 30;
  const timeoutMs = deps.downloadTimeoutMs ?? 600_000;
  try {
    if (client.sameOrigin(url)) {
      const res = await fetch(url, {
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
        redirect: 'error',
      });
      if (!res.ok || !res.body) throw new Error(`answered ${res.status}`);
      const chunks: Uint8Array[] = [];
      let size = 0;
      const reader = res.body.getReader();
      for (let part = await reader.read(); !part.done; part = await reader.read()) {
        size += part.value.byteLength;
        if (size > maxBytes) {
          await reader.cancel();
          throw new Error(`the video is larger than ${maxBytes} bytes`);
        }
        chunks.push(part.value);
      }
      return Buffer.concat(chunks);
    }
    // Another origin (a CDN): vetted like any URL a stranger gave us.
    const fetched = await fetchBuffer(url.href, { protocols: ['https:'], maxBytes, timeoutMs, policy: deps.policy });
    return fetched.bytes;
  } catch (error) {
    signal.throwIfAborted();
    throw new UpstreamError(
      client.upstream.name,
      'failed',
      `downloading the video failed (${(error as Error).message})`,
    );
  }
}

/** Runs `job` on the upstream of `client`; rejects with `UpstreamError`, `JobImageError` or the abort. */
export async function forwardJob(
  client: UpstreamClient,
  job: Job,
  deps: ForwardDeps,
  run: ExecuteRun,
): Promise<{ mp4: Uint8Array; modelId?: string }> {
  const { signal } = run;
  const key = `phosphene-forward:${job.id}:${job.routeStep}`;
  const imageKey = job.imageKey
    ? await client.uploadImage(await readJobImage(deps.files, job.imageKey), `${key}:image`, signal)
    : undefined;
  const id = await client.submit(submitBody(job, imageKey), key, signal);
  try {
    let failures = 0;
    for (;;) {
      let status;
      try {
        status = await client.status(id, signal);
        failures = 0;
      } catch (error) {
        if (signal.aborted || !(error instanceof UpstreamError) || error.kind === 'refused') throw error;
        if (++failures > POLL_FAILURES_TOLERATED) throw error;
        await sleep(client.upstream.poll_ms, undefined, { signal });
        continue;
      }
      if (status.status === 'completed') break;
      if (status.status === 'failed') {
        const why = status.error ? `${status.error.code}: ${status.error.message}` : 'no reason given';
        throw new UpstreamError(client.upstream.name, 'failed', `its job ${id} failed (${why})`);
      }
      run.onProgress(Math.floor(status.progress * 0.95));
      await sleep(client.upstream.poll_ms, undefined, { signal });
    }
    const result = await client.result(id, signal);
    const mp4 = await download(client, result.url, deps, signal);
    if (!looksLikeMp4(mp4))
      throw new UpstreamError(client.upstream.name, 'failed', `the result of its job ${id} is not an MP4`);
    return { mp4, modelId: result.model ?? job.requestedModel ?? undefined };
  } catch (error) {
    // Our job was cancelled, timed out or lost: theirs should not keep running (and charging) for nothing.
    if (signal.aborted) await client.cancel(id);
    throw error;
  }
}
