/**
 * The Content-Security-Policy and friends (server/security-headers.ts) break nothing: a WASM
 * generation (module worker, ORT's WebAssembly, WebCodecs, blob: video) and Swagger UI at /docs/ run
 * without a single CSP violation.
 */
import { expect, test, type Page } from '@playwright/test';
import { fillForm, openPlayground } from './support/playground';

/** Records every CSP violation the page (and its workers, which report to it) sees. */
async function recordViolations(page: Page): Promise<() => Promise<string[]>> {
  const logged: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) logged.push(message.text());
  });
  await page.addInitScript(() => {
    const w = window as unknown as { cspViolations: string[] };
    w.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      w.cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}:${e.columnNumber}`),
    );
  });
  return async () => [
    ...logged,
    ...(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)),
  ];
}

test('the playground generates on WASM under the CSP', async ({ page }) => {
  const violations = await recordViolations(page);
  const response = await page.goto('/');
  expect(response!.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(response!.headers()['referrer-policy']).toBe('no-referrer');
  await openPlayground(page, 'model=phosphene-tiny');
  await fillForm(page, { prompt: 'a red ball', frames: 5, steps: 1, seed: 1, device: 'wasm' });
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('result-video')).toBeVisible({ timeout: 90_000 });
  await expect(page.getByTestId('job-error')).toHaveCount(0);
  expect(await violations()).toEqual([]);
});

test('Swagger UI renders the API under the CSP', async ({ page }) => {
  const violations = await recordViolations(page);
  const response = await page.goto('/docs/');
  expect(response!.headers()['content-security-policy']).toContain("default-src 'self'");
  await expect(page.getByText('/api/v1/inference/submit').first()).toBeVisible();
  expect(await violations()).toEqual([]);
});
