/** Page actions the specs share: open the playground, fill the form, wait for a job to end. */
import { expect, type Locator, type Page } from '@playwright/test';
import type { GenerateParams } from '../../src/shared/protocol';

/** The form's values a spec may set; unset fields keep the model's defaults. */
export interface FormValues {
  prompt?: string;
  resolution?: string | { width: number; height: number };
  frames?: number;
  steps?: number;
  guidance?: number;
  seed?: number;
  device?: 'auto' | 'webgpu' | 'wasm' | 'server';
}

/** Opens the playground with `query` (e.g. `model=phosphene-tiny&debug`) and waits for the model list. */
export async function openPlayground(page: Page, query = ''): Promise<void> {
  await page.goto(`/${query ? `?${query}` : ''}`);
  await expect(page.locator('select[name=model] option').first()).toBeAttached();
  await expect(page.getByRole('button', { name: 'Generate' })).toBeEnabled();
}

/** Sets the form's controls. */
export async function fillForm(page: Page, values: FormValues): Promise<void> {
  if (values.prompt !== undefined) await page.locator('textarea[name=prompt]').fill(values.prompt);
  if (typeof values.resolution === 'string')
    await page.locator('select[name=resolution]').selectOption(values.resolution);
  if (typeof values.resolution === 'object') {
    await page.locator('select[name=resolution]').selectOption('custom');
    await page.locator('input[name=width]').fill(String(values.resolution.width));
    await page.locator('input[name=height]').fill(String(values.resolution.height));
  }
  if (values.frames !== undefined) await page.locator('input[name=num_frames]').fill(String(values.frames));
  if (values.steps !== undefined) await page.locator('input[name=num_inference_steps]').fill(String(values.steps));
  if (values.guidance !== undefined) await page.locator('input[name=guidance_scale]').fill(String(values.guidance));
  if (values.seed !== undefined) await page.locator('input[name=seed]').fill(String(values.seed));
  if (values.device !== undefined) await page.locator('select[name=device]').selectOption(values.device);
}

/** A request for the debug handle (`window.phosphene`), with the tiny fixture's smallest clip by default. */
export function tinyRequest(jobId: string, device: 'auto' | 'webgpu' | 'wasm', params: Partial<GenerateParams> = {}) {
  return {
    jobId,
    modelUrl: '/models/phosphene-tiny/model.json',
    device,
    params: {
      prompt: 'a red circle moving right on a black background',
      negative_prompt: '',
      width: 64,
      height: 64,
      num_frames: 5,
      num_inference_steps: 2,
      guidance_scale: 1,
      seed: 7,
      frames_per_second: 8,
      ...params,
    },
  };
}

/** Drops a file on `target` as a person drags one from their desktop (dragover, then drop). */
export async function dropFile(target: Locator, file: { name: string; type: string; bytes: Buffer }): Promise<void> {
  const dataTransfer = await target.page().evaluateHandle(
    ({ name, type, b64 }) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], name, { type }));
      return transfer;
    },
    { name: file.name, type: file.type, b64: file.bytes.toString('base64') },
  );
  await target.dispatchEvent('dragover', { dataTransfer });
  await target.dispatchEvent('drop', { dataTransfer });
}
