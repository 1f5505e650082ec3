/**
 * Free edits in the browser, as a person uses them: make a clip, then trim, change speed, crop, resize,
 * add text and append another clip, each kept as a new clip whose MP4 carries the source's recipe plus
 * its edits; and save the frame on screen as a PNG.
 */
import { expect, test, type Page } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { readRecipe } from '../src/pipeline/mp4-recipe';
import { inspectMp4 } from './support/mp4';
import { fillForm, openPlayground } from './support/playground';

async function download(page: Page, testId: string): Promise<Uint8Array> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  return new Uint8Array(await readFile((await file.path())!));
}

/** Opens the playground on the tiny model, makes a 9-frame clip and returns its MP4. */
async function firstClip(page: Page): Promise<Uint8Array> {
  await openPlayground(page, 'model=phosphene-tiny&device=wasm');
  await fillForm(page, { prompt: 'a red circle moving right on a black background', frames: 9, seed: 4 });
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('progress')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  return download(page, 'download');
}

async function applyEdit(page: Page, op: string, fields: Record<string, string>) {
  const before = await page.getByTestId('history-item').count();
  await page.locator('select[name=edit_op]').selectOption(op);
  for (const [name, value] of Object.entries(fields)) {
    const field = page.locator(`[name=${name}]`);
    if ((await field.evaluate((e) => e.tagName)) === 'SELECT') await field.selectOption(value);
    else await field.fill(value);
  }
  await page.getByRole('button', { name: 'Apply as a new clip' }).click();
  await expect(page.getByTestId('history-item')).toHaveCount(before + 1, { timeout: 60_000 });
  await expect(page.getByTestId('edit-error')).toHaveCount(0);
  return download(page, 'download');
}

test('trim, speed, crop, resize, text and join make new clips with their recipes; GIF and PNG exports', async ({
  page,
}) => {
  const original = await firstClip(page);
  expect(await inspectMp4(original)).toMatchObject({ width: 64, height: 64, frameCount: 9 });

  await page.getByTestId('edit-panel').locator('summary').click();
  const trimmed = await applyEdit(page, 'trim', { trim_start: '2', trim_end: '7' });
  expect(await inspectMp4(trimmed)).toMatchObject({ width: 64, height: 64, frameCount: 5 });
  const recipe = readRecipe(trimmed)!;
  expect(recipe.params).toEqual(readRecipe(original)!.params);
  expect(recipe.edits).toEqual([{ op: 'trim', start: 2, end: 7 }]);

  // Each edit applies to the clip on screen: the trimmed one now.
  const slow = await applyEdit(page, 'speed', { speed: '0.5' });
  expect((await inspectMp4(slow)).frameCount).toBe(10);
  expect(readRecipe(slow)!.edits).toEqual([
    { op: 'trim', start: 2, end: 7 },
    { op: 'speed', factor: 0.5 },
  ]);
  expect(
    (
      await inspectMp4(
        await applyEdit(page, 'crop', { crop_x: '8', crop_y: '16', edit_width: '48', edit_height: '32' }),
      )
    ).width,
  ).toBe(48);
  expect(await inspectMp4(await applyEdit(page, 'resize', { edit_width: '96', edit_height: '64' }))).toMatchObject({
    width: 96,
    height: 64,
    frameCount: 10,
  });
  const titled = await applyEdit(page, 'text', { overlay_text: 'Hello', overlay_position: 'top' });
  expect(readRecipe(titled)!.edits!.at(-1)).toEqual({ op: 'text', text: 'Hello', position: 'top' });

  // Append the original (9 frames, 64×64) to the titled clip (10 frames, 96×64).
  await page.locator('select[name=edit_op]').selectOption('join');
  const options = page.locator('select[name=join_with] option');
  const last = await options.last().getAttribute('value'); // the oldest clip: the original
  const joined = await applyEdit(page, 'join', { join_with: last! });
  expect(await inspectMp4(joined)).toMatchObject({ width: 96, height: 64, frameCount: 19 });

  // A mistake is explained and makes nothing.
  const count = await page.getByTestId('history-item').count();
  await page.locator('select[name=edit_op]').selectOption('resize');
  await page.locator('[name=edit_width]').fill('33');
  await page.getByRole('button', { name: 'Apply as a new clip' }).click();
  await expect(page.getByTestId('edit-error')).toContainText('must be even');
  await expect(page.getByTestId('history-item')).toHaveCount(count);

  // A GIF's logical screen size, and its frames (one graphic control extension, 21 F9 04, each).
  const gifFacts = (gif: Uint8Array) => {
    const b = Buffer.from(gif);
    let frames = 0;
    for (
      let i = b.indexOf(Buffer.from([0x21, 0xf9, 0x04]));
      i >= 0;
      i = b.indexOf(Buffer.from([0x21, 0xf9, 0x04]), i + 3)
    )
      frames++;
    return { magic: b.subarray(0, 6).toString('latin1'), width: b.readUInt16LE(6), height: b.readUInt16LE(8), frames };
  };
  // The joined clip as it is (96×64, 19 frames at 16 fps), then at half the width and half the rate.
  expect(gifFacts(await download(page, 'export-gif'))).toEqual({ magic: 'GIF89a', width: 96, height: 64, frames: 19 });
  await page.locator('[name=gif_width]').fill('48');
  await page.locator('[name=gif_fps]').fill('8');
  const half = gifFacts(await download(page, 'export-gif'));
  expect([half.width, half.height]).toEqual([48, 32]);
  expect(half.frames).toBeGreaterThanOrEqual(9);
  expect(half.frames).toBeLessThanOrEqual(11);

  const png = await download(page, 'save-frame');
  expect(Buffer.from(png.subarray(1, 4)).toString('latin1')).toBe('PNG');
  // Extract frames, as the platform's tool names them: first, last, and one per second (19 frames at 16 fps: 0, 16).
  const frames = async (mode: string, count: number) => {
    await page.locator('select[name=frames]').selectOption(mode);
    const files: { name: string; png: Buffer }[] = [];
    const seen = new Promise<void>((resolve) =>
      page.on('download', async (d) => {
        files.push({ name: d.suggestedFilename(), png: await readFile((await d.path())!) });
        if (files.length === count) resolve();
      }),
    );
    await page.getByTestId('save-frame').click();
    await seen;
    page.removeAllListeners('download');
    return files.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
  };
  const [first] = await frames('first', 1);
  const [final] = await frames('last', 1);
  expect(first!.name).toMatch(/-frame0\.png$/);
  expect(final!.name).toMatch(/-frame18\.png$/);
  for (const f of [first!, final!]) expect([f.png.readUInt32BE(16), f.png.readUInt32BE(20)]).toEqual([96, 64]);
  expect(first!.png.equals(final!.png)).toBe(false);
  expect((await frames('all_1fps', 2)).map((f) => f.name.replace(/.*-/, ''))).toEqual(['frame0.png', 'frame16.png']);
  await page.screenshot({ path: test.info().outputPath('edited.png'), fullPage: true });
});

test('extend continues the clip on screen from its last frame, as a new clip that names its source', async ({
  page,
}) => {
  const original = await firstClip(page);

  // The continuation takes the form's frame count, prompt and seed; the clip's size and frame rate.
  await fillForm(page, { prompt: 'a red circle moving left on a black background', frames: 5, seed: 5 });
  await page.getByTestId('edit-panel').locator('summary').click();
  await page.getByTestId('extend').click();
  await expect(page.getByTestId('history-item')).toHaveCount(2, { timeout: 60_000 });
  await expect(page.getByTestId('progress')).toHaveAttribute('data-status', 'done');
  await expect(page.getByTestId('job-error')).toHaveCount(0);
  const extended = await download(page, 'download');
  expect(await inspectMp4(extended)).toMatchObject({ width: 64, height: 64, frameCount: 9 + 4 });
  const recipe = readRecipe(extended)!;
  expect(recipe.params).toEqual(readRecipe(original)!.params); // the source's recipe …
  expect(recipe.edits).toEqual([
    { op: 'extend', params: expect.objectContaining({ prompt: 'a red circle moving left on a black background' }) },
  ]); // … plus this step
  await expect(page.locator('.player .facts')).toContainText('13 frames');
});
