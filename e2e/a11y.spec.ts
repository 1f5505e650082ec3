/**
 * The playground for people who use a keyboard or a screen reader: axe-core finds no violation (every
 * control labelled, contrast, landmarks) on the first screen, with a finished clip and every panel open
 * (server, edit tools, this device, LoRA, negative prompt), with each edit tool's fields shown and with
 * clips in the gallery; a clip can be made, run again, edited and deleted with the keyboard alone.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { openPlayground } from './support/playground';

async function violations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
}

test('axe finds nothing, and a clip is made from the keyboard alone', async ({ page }) => {
  await openPlayground(page, 'model=phosphene-tiny&device=wasm');
  expect(await violations(page)).toEqual([]);

  // Keyboard only: focus the prompt, type, and start the job with Ctrl+Enter; then Tab reaches Generate.
  await page.keyboard.press('Tab');
  for (
    let i = 0;
    i < 40 && !(await page.locator('textarea[name=prompt]').evaluate((e) => e === document.activeElement));
    i++
  )
    await page.keyboard.press('Tab');
  await page.keyboard.type('a red circle moving right on a black background');
  await page.keyboard.press('Control+Enter');
  await expect(page.getByTestId('progress')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await expect(page.getByTestId('history-item')).toHaveCount(1);

  // The length in seconds follows frames and fps; "reuse" takes the seed of the clip shown.
  await page.locator('input[name=num_frames]').fill('17');
  await page.locator('input[name=frames_per_second]').fill('8');
  await expect(page.getByTestId('clip-seconds')).toHaveText('(2.1 s at 8 fps)');
  const seed = await page.locator('input[name=seed]').inputValue();
  await page.getByRole('button', { name: 'random' }).click();
  await expect(page.locator('input[name=seed]')).not.toHaveValue(seed);
  await page.getByRole('button', { name: 'reuse' }).click();
  await expect(page.locator('input[name=seed]')).toHaveValue(seed);

  await page.getByTestId('server-settings').locator('summary').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByLabel('API key')).toBeVisible();
  expect(await violations(page)).toEqual([]);

  // Every other panel open too: the clip's edit tools, this device, the LoRA and negative prompt fields.
  for (const id of ['edit-panel', 'device-panel']) await page.getByTestId(id).locator('summary').click();
  await page.locator('summary', { hasText: 'LoRA' }).click();
  await page.locator('summary', { hasText: 'Negative prompt' }).click();
  await expect(page.locator('select[name=edit_op]')).toBeVisible();
  await expect(page.getByTestId('device-probe')).toBeVisible();
  expect(await violations(page)).toEqual([]);

  // The gallery from the keyboard: run the clip again.
  const items = page.getByTestId('history-item');
  await items.first().getByRole('button', { name: 'Run again' }).focus();
  await page.keyboard.press('Enter');
  await expect(items).toHaveCount(2, { timeout: 60_000 });

  // Every edit tool's own fields, merge with a clip in its list (the ↑ ↓ ✕ buttons), and the GIF export.
  const tool = page.locator('select[name=edit_op]');
  const ops = await tool.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  expect(ops).toEqual(['trim', 'speed', 'crop', 'resize', 'join', 'text']);
  for (const op of ops) {
    await tool.selectOption(op);
    if (op === 'join') {
      await page.locator('select[name=join_with]').selectOption({ index: 1 });
      await page.getByRole('button', { name: 'Add to the merge' }).click();
      await expect(page.getByRole('button', { name: 'Remove clip 2' })).toBeVisible();
    }
    expect(await violations(page), `the ${op} tool`).toEqual([]);
  }

  // An edit from the keyboard alone: the tool picked with the arrow keys, its field typed, Enter applies it.
  await tool.focus();
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowDown');
  await expect(tool).toHaveValue('speed');
  await page.keyboard.press('Tab');
  await expect(page.locator('input[name=speed]')).toBeFocused();
  await page.keyboard.press('Control+A');
  await page.keyboard.type('4');
  await page.keyboard.press('Enter');
  await expect(items).toHaveCount(3, { timeout: 60_000 });
  await expect(items.first()).toContainText('edited: speed');

  // Delete the two new clips from the keyboard.
  for (const left of [2, 1]) {
    await items.first().getByRole('button', { name: 'Delete' }).focus();
    await page.keyboard.press('Enter');
    await expect(items).toHaveCount(left);
  }
  expect(await violations(page)).toEqual([]);
});
