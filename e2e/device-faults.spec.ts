import { expect, test } from '@playwright/test';
import { inspectMp4 } from './support/mp4';
import { openPlayground, tinyRequest } from './support/playground';

/**
 * A lost GPU device, forced for real: the worker's WebGPU device (SwiftShader here) is destroyed while a job
 * runs, as a driver reset would lose it. The job ends with a named error that says what to do, and the next
 * job runs on a fresh device without reloading the page.
 */
test('a GPU lost mid-job ends it with GpuDeviceLostError, and the next job runs on a fresh device', async ({
  page,
}) => {
  await openPlayground(page, 'model=phosphene-tiny&debug');
  // Enough steps that the job is still running when the loss reaches the worker.
  const request = (id: string, steps: number) => tinyRequest(id, 'webgpu', { num_inference_steps: steps });
  const outcome = await page.evaluate(
    async (r) => {
      const debug = window.phosphene!;
      let lost: Promise<boolean> | undefined;
      try {
        await debug.generate(r, 'auto', (event) => {
          if (event.type === 'step' && !lost) lost = debug.loseGpuDevice();
        });
        return { name: 'completed', message: '', lost: await lost };
      } catch (error) {
        return { name: (error as Error).name, message: (error as Error).message, lost: await lost };
      }
    },
    request('lost-1', 12),
  );
  expect(outcome.lost).toBe(true);
  expect(outcome.name).toBe('GpuDeviceLostError');
  expect(outcome.message).toMatch(/GPU was lost during the job .*Run it again/);

  const clip = await page.evaluate((r) => window.phosphene!.generate(r), request('lost-2', 2));
  expect(clip.device).toBe('webgpu');
  const mp4 = await inspectMp4(Buffer.from(clip.mp4Base64, 'base64'));
  expect(mp4).toMatchObject({ codec: 'avc', width: 64, height: 64, frameCount: 5 });
});
