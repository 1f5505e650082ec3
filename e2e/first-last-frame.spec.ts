/**
 * First-last-frame with the built-in model, as a person does it: drop a start image and an end image on
 * their pickers (a red disc on the left, then on the right, over navy) and generate on WASM. The clip
 * must begin like the start image and end like the end image: each end frame is nearer its own image
 * than the other one.
 */
import { expect, test, type Page } from '@playwright/test';
import { framePixels } from './support/frames';
import { fillForm, openPlayground } from './support/playground';

const W = 256;
const H = 144;

/** Drops a PNG of a red disc at `x` over navy, drawn in the page, on the picker `testId`. */
async function dropDisc(page: Page, testId: string, x: number, name: string): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    async ({ x, name, W, H }) => {
      const canvas = Object.assign(document.createElement('canvas'), { width: W, height: H });
      const g = canvas.getContext('2d')!;
      g.fillStyle = '#14145a';
      g.fillRect(0, 0, W, H);
      g.fillStyle = '#e02020';
      g.beginPath();
      g.arc(x, H / 2, 22, 0, 2 * Math.PI);
      g.fill();
      const blob = await new Promise<Blob>((done) => canvas.toBlob((b) => done(b!), 'image/png'));
      const transfer = new DataTransfer();
      transfer.items.add(new File([blob], name, { type: 'image/png' }));
      return transfer;
    },
    { x, name, W, H },
  );
  await page.getByTestId(testId).dispatchEvent('dragover', { dataTransfer });
  await page.getByTestId(testId).dispatchEvent('drop', { dataTransfer });
  await expect(page.getByTestId(testId)).toContainText(`${name} · ${W}×${H}`);
}

test('a start and an end image dropped on the form begin and end the clip', async ({ page }) => {
  test.setTimeout(180_000);
  await openPlayground(page);
  await expect(page.locator('select[name=model]')).toHaveValue('phosphene/v1/text-to-video');
  await fillForm(page, {
    prompt: 'a red circle moving right on a navy background',
    resolution: `${W}x${H}`,
    frames: 17,
    seed: 3,
    device: 'wasm',
  });
  await dropDisc(page, 'image-picker', 60, 'start.png');
  await dropDisc(page, 'last_image-picker', 196, 'end.png');
  await page.getByRole('button', { name: 'Generate' }).click();
  const video = page.getByTestId('result-video');
  await expect(video).toBeVisible({ timeout: 150_000 });
  await expect(page.getByTestId('job-error')).toHaveCount(0);

  // Where the red is in the first and the last frame: the mean x of pixels well redder than blue.
  const redX = async (at: number | 'end') => {
    const f = await framePixels(video, at);
    let sum = 0;
    let n = 0;
    for (let i = 0; i < f.data.length; i += 4)
      if (f.data[i]! - f.data[i + 2]! > 80) {
        sum += (i / 4) % f.width;
        n++;
      }
    return n > 50 ? sum / n : -1;
  };
  const first = await redX(0);
  const last = await redX('end');
  // The start image's disc is at x 60, the end image's at 196.
  expect(Math.abs(first - 60)).toBeLessThan(30);
  expect(Math.abs(last - 196)).toBeLessThan(30);
});
