/**
 * The tiny fixture's q4 variant (4-bit `MatMulNBits` text encoder and denoiser) in the browser on
 * WebGPU and on WASM, and on onnxruntime-node: every node runs on the provider asked for (no CPU
 * fallback for the contrib op), the three agree, and q4 stays close to fp32.
 */
import { expect, test } from '@playwright/test';
import path from 'node:path';
import { generateFramesNode } from '../server/models/node-generate';
import { openPlayground, tinyRequest } from './support/playground';
import { expectAllNodesOn } from './support/placement';

/**
 * q4 on different kernels: both dequantize the same 4-bit values exactly, so they differ only by
 * summation order, like fp32 (parity.spec.ts). Measured here: see the `q4` annotation.
 */
const LATENT_TOLERANCE = 1e-3;
/** q4 vs fp32 latents, relative L2: measured 0.069 in Node (tests/models/q4-variant.test.ts). */
const Q4_VS_FP32 = 0.1;

const PARAMS = { width: 64, height: 64, num_frames: 5, num_inference_steps: 2, guidance_scale: 2, seed: 20261123 };

interface BrowserRun {
  latents: number[];
  device: string;
  placement: { graph: string; nodesByProvider: Record<string, number> }[];
  ms: number;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
};

const relativeL2 = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += a[i]! ** 2;
  }
  return Math.sqrt(num / den);
};

test('the q4 variant runs every node on WebGPU and on WASM and agrees with Node', async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  await openPlayground(page, 'model=phosphene-tiny&debug');
  let jobs = 0;
  const run = (device: 'webgpu' | 'wasm', variant: string) =>
    page.evaluate(
      async (request): Promise<BrowserRun> => {
        const t0 = performance.now();
        const r = await window.phosphene!.frames(request, () => {});
        return { latents: Array.from(r.latents), device: r.device, placement: r.placement, ms: performance.now() - t0 };
      },
      { ...tinyRequest(`q4-${device}-${jobs++}`, device, PARAMS), variant },
    );

  const wasm = await run('wasm', 'q4');
  const wasmFp32 = await run('wasm', 'fp32');
  const webgpu = await run('webgpu', 'q4');
  const node = await generateFramesNode({
    modelDir: path.resolve('tests/fixtures/models/phosphene-tiny'),
    params: { ...tinyRequest('n', 'wasm', PARAMS).params },
    device: 'wasm',
    variant: 'q4',
  });

  expectAllNodesOn(wasm, 'wasm');
  expectAllNodesOn(webgpu, 'webgpu');

  const summary = {
    latents_webgpu_vs_wasm: maxAbsDiff(webgpu.latents, wasm.latents),
    latents_wasm_vs_node: maxAbsDiff(wasm.latents, node.latents),
    q4_vs_fp32_relative_l2: relativeL2(wasmFp32.latents, wasm.latents),
    wasm_q4_ms: Math.round(wasm.ms),
    wasm_fp32_ms: Math.round(wasmFp32.ms),
    webgpu_q4_ms: Math.round(webgpu.ms),
    placement_webgpu: webgpu.placement,
  };
  testInfo.annotations.push({ type: 'q4', description: JSON.stringify(summary) });
  console.log(`q4: ${JSON.stringify(summary)}`);

  expect(Math.max(...wasm.latents.map(Math.abs))).toBeGreaterThan(0.1); // not silently zeros
  expect(summary.latents_webgpu_vs_wasm).toBeLessThanOrEqual(LATENT_TOLERANCE);
  expect(summary.latents_wasm_vs_node).toBeLessThanOrEqual(LATENT_TOLERANCE);
  expect(summary.q4_vs_fp32_relative_l2).toBeGreaterThan(0);
  expect(summary.q4_vs_fp32_relative_l2).toBeLessThan(Q4_VS_FP32);
});
