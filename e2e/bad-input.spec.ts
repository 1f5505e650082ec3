/** Bad input gets a clear message and never a hang: in the form, at the worker boundary, in the package. */
import { expect, test } from '@playwright/test';
import { fillForm, openPlayground, tinyRequest } from './support/playground';

test.describe('the form refuses', () => {
  test.beforeEach(async ({ page }) => {
    await openPlayground(page, 'model=phosphene-tiny');
    await fillForm(page, { prompt: 'a blue square moving left on a white background', device: 'wasm' });
  });

  test('an empty prompt', async ({ page }) => {
    await fillForm(page, { prompt: '   ' });
    await page.getByRole('button', { name: 'Generate' }).click();
    await expect(page.locator('[data-field=prompt]')).toContainText('Type a prompt');
    await expect(page.getByTestId('progress')).toHaveCount(0);
  });

  test('a frame count the VAE cannot make, naming the nearest valid ones', async ({ page }) => {
    await fillForm(page, { frames: 7 });
    await page.getByRole('button', { name: 'Generate' }).click();
    await expect(page.locator('[data-field=num_frames]')).toContainText('The nearest valid values are 5 and 9');
  });

  test('a resolution the model does not support, listing those it does', async ({ page }) => {
    await fillForm(page, { resolution: { width: 100, height: 60 } });
    await page.getByRole('button', { name: 'Generate' }).click();
    await expect(page.locator('[data-field=width]')).toContainText('100×60 is not a resolution');
    await expect(page.locator('[data-field=width]')).toContainText('64×64, 128×72');
  });
});

test('the worker validates requests that bypass the form', async ({ page }) => {
  await openPlayground(page, 'model=phosphene-tiny&debug');
  const failure = (request: unknown) =>
    page.evaluate(
      (r) =>
        window.phosphene!.frames(r as never).then(
          () => 'resolved',
          (e: Error) => `${e.name}: ${e.message}`,
        ),
      request,
    );
  expect(
    await failure({ ...tinyRequest('a', 'wasm'), params: { ...tinyRequest('a', 'wasm').params, width: 'wide' } }),
  ).toMatch(/^InvalidParamsError: .*params\.width/);
  expect(await failure({ ...tinyRequest('b', 'wasm'), device: 'tpu' })).toMatch(/^InvalidParamsError: .*device/);
  expect(await failure(tinyRequest('c', 'wasm', { num_frames: 6 }))).toMatch(/^InvalidParamsError: .*\b5\b.*\b9\b/);
  expect(await failure(tinyRequest('d', 'wasm', { width: 96, height: 96 }))).toMatch(/^InvalidParamsError: .*96/);
});

test('a corrupted model file is refused with a digest error', async ({ page }) => {
  // Flip one byte of the denoiser as it is served: the worker must refuse it before ONNX Runtime sees it.
  await page.route('**/models/phosphene-tiny/denoiser.onnx', async (route) => {
    const response = await route.fetch();
    const body = Buffer.from(await response.body());
    const middle = body.length >> 1;
    body.writeUInt8(body.readUInt8(middle) ^ 0xff, middle);
    await route.fulfill({ response, body });
  });
  await openPlayground(page, 'model=phosphene-tiny');
  await fillForm(page, { prompt: 'a pink ring still on a blue background', device: 'wasm' });
  await page.getByRole('button', { name: 'Generate' }).click();
  const error = page.getByTestId('job-error');
  await expect(error).toBeVisible();
  await expect(error).toHaveAttribute('data-error-name', 'DigestMismatchError');
  await expect(error).toContainText('denoiser.onnx');
  await expect(error).toContainText('sha256');
  await expect(page.getByRole('button', { name: 'Generate' })).toBeEnabled();
});

test('forcing WebGPU where there is none says so', async ({ page }) => {
  await page.addInitScript(() => {
    delete (Navigator.prototype as { gpu?: unknown }).gpu;
  });
  await openPlayground(page, 'model=phosphene-tiny');
  expect(await page.evaluate(() => 'gpu' in navigator)).toBe(false);
  await fillForm(page, { prompt: 'a pink ring still on a blue background', device: 'webgpu' });
  await page.getByRole('button', { name: 'Generate' }).click();
  const error = page.getByTestId('job-error');
  await expect(error).toHaveAttribute('data-error-name', 'WebGpuUnavailableError');
  await expect(error).toContainText('WebGPU is not available');
  await expect(page.getByRole('button', { name: 'Generate' })).toBeEnabled();
});
