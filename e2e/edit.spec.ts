/**
 * Free edits in the browser, as a person uses them: make a clip, then trim, change speed, crop, resize,
 * add text and merge clips, each kept as a new clip whose MP4 carries the source's recipe plus its edits;
 * resize to a preset with black bars and text shown for part of the clip, read back from decoded frames;
 * and save the frame on screen as a PNG.
 */
import { expect, test, type Page } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { readRecipe } from '../src/pipeline/mp4-recipe';
import { countPixels, framePixels, type FramePixels } from './support/frames';
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

test('trim, speed, crop, resize, text and merge make new clips with their recipes; GIF and PNG exports', async ({
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
  // The form fills the new fields: a tenth of the height, white, the whole clip (10 frames at 16 fps).
  expect(readRecipe(titled)!.edits!.at(-1)).toEqual({
    op: 'text',
    text: 'Hello',
    position: 'top',
    font_size: 10,
    color: '#ffffff',
    start_time: 0,
    end_time: 0.63,
  });

  // Merge three clips: the titled one on screen (10 frames, 96×64), then the trimmed (5) and the original
  // (9), both 64×64, chosen from the gallery and put in that order with the move buttons.
  await page.locator('select[name=edit_op]').selectOption('join');
  const idOf = (frames: string) =>
    page.locator('select[name=join_with] option', { hasText: `(${frames}f)` }).getAttribute('value');
  const [originalId, trimmedId] = [await idOf('9'), await idOf('5')];
  for (const id of [originalId!, trimmedId!]) {
    await page.locator('select[name=join_with]').selectOption(id);
    await page.getByRole('button', { name: 'Add to the merge' }).click();
  }
  await page.getByRole('button', { name: 'Move clip 3 earlier' }).click();
  await expect(page.getByTestId('merge-list').locator('li')).toHaveText([/\(5f\)/, /\(9f\)/]);
  const joined = await applyEdit(page, 'join', {});
  expect(await inspectMp4(joined)).toMatchObject({ width: 96, height: 64, frameCount: 10 + 5 + 9 });
  expect(readRecipe(joined)!.edits!.at(-1)).toEqual({ op: 'join', clip_ids: [trimmedId, originalId] });

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
  // The merged clip as it is (96×64, 24 frames at 16 fps), then at half the width and half the rate.
  expect(gifFacts(await download(page, 'export-gif'))).toEqual({ magic: 'GIF89a', width: 96, height: 64, frames: 24 });
  await page.locator('[name=gif_width]').fill('48');
  await page.locator('[name=gif_fps]').fill('8');
  const half = gifFacts(await download(page, 'export-gif'));
  expect([half.width, half.height]).toEqual([48, 32]);
  expect(half.frames).toBeGreaterThanOrEqual(11);
  expect(half.frames).toBeLessThanOrEqual(13);

  const png = await download(page, 'save-frame');
  expect(Buffer.from(png.subarray(1, 4)).toString('latin1')).toBe('PNG');
  // Extract frames, as the platform's tool names them: first, last, and one per second (24 frames at 16 fps: 0, 16).
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
  expect(final!.name).toMatch(/-frame23\.png$/);
  for (const f of [first!, final!]) expect([f.png.readUInt32BE(16), f.png.readUInt32BE(20)]).toEqual([96, 64]);
  expect(first!.png.equals(final!.png)).toBe(false);
  expect((await frames('all_1fps', 2)).map((f) => f.name.replace(/.*-/, ''))).toEqual(['frame0.png', 'frame16.png']);
  await page.screenshot({ path: test.info().outputPath('edited.png'), fullPage: true });
});

test('resize to a preset pads with black bars; text shows only in its time window', async ({ page }) => {
  await firstClip(page);
  const video = page.getByTestId('result-video');
  // The source's 9 frames at 16 fps, each read at the middle of its time on screen.
  const at = (n: number) => (n + 0.5) / 16;
  const source: FramePixels[] = [];
  for (let n = 0; n < 9; n++) source.push(await framePixels(video, at(n)));
  const red = (r: number, g: number, b: number) => r - b > 80 && r - g > 80;

  // Green text from 0.25 s until 0.5 s: on frames 4 to 7 (shown from 4/16 s to 7/16 s), not on 0–3 or 8.
  await page.getByTestId('edit-panel').locator('summary').click();
  await page.locator('select[name=edit_op]').selectOption('text');
  await page.locator('[name=text_color]').fill('#00ff00');
  const titled = await applyEdit(page, 'text', {
    overlay_text: 'HI',
    overlay_position: 'bottom',
    font_size: '28',
    text_start: '0.25',
    text_end: '0.5',
  });
  expect(readRecipe(titled)!.edits).toEqual([
    { op: 'text', text: 'HI', position: 'bottom', font_size: 28, color: '#00ff00', start_time: 0.25, end_time: 0.5 },
  ]);
  const green = (r: number, g: number, b: number) => g > 150 && r < 100 && b < 100;
  for (let n = 0; n < 9; n++) {
    const frame = await framePixels(video, at(n));
    const inWindow = n >= 4 && n < 8;
    // The tiny model paints some green of its own: the text is green that the source frame did not have.
    const added = countPixels(frame, green) - countPixels(source[n]!, green);
    // Re-encoding moves every pixel a little; drawn text moves some a lot.
    let moved = 0;
    for (let i = 0; i < frame.data.length; i += 4)
      if ([0, 1, 2].some((c) => Math.abs(frame.data[i + c]! - source[n]!.data[i + c]!) > 64)) moved++;
    expect(moved > 100, `frame ${n}: ${moved} pixels changed a lot`).toBe(inWindow);
    expect(added > 60, `frame ${n}: ${added} more green pixels`).toBe(inWindow);
  }

  // 64×64 to the 720p preset, padded: 1280×720 with the clip a centred 720×720 square between black bars.
  await page.locator('select[name=edit_op]').selectOption('resize');
  const resized = await applyEdit(page, 'resize', { resize_preset: '720p', resize_fit: 'pad' });
  expect(await inspectMp4(resized)).toMatchObject({ width: 1280, height: 720, frameCount: 9 });
  expect(readRecipe(resized)!.edits!.at(-1)).toEqual({
    op: 'resize',
    preset: '720p',
    width: 1280,
    height: 720,
    fit: 'pad',
  });
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.videoWidth)).toBe(1280);
  const frame = await framePixels(video, at(0));
  expect([frame.width, frame.height]).toEqual([1280, 720]);
  const notBlack = (r: number, g: number, b: number) => Math.max(r, g, b) > 24;
  // The bars, short of the 4 px next to the clip that H.264's blocks may blur.
  for (const x of [0, 1004])
    expect(countPixels(frame, notBlack, { x, y: 0, width: 276, height: 720 }), `bar at x ${x}`).toBe(0);
  expect(countPixels(frame, red, { x: 280, y: 0, width: 720, height: 720 })).toBeGreaterThan(1000);
  await page.screenshot({ path: test.info().outputPath('padded.png'), fullPage: true });
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
