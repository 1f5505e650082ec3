/**
 * `npm test`: typecheck, lint, unit + server tests (vitest) and e2e tests (Playwright, real Chromium),
 * run one after another even when one fails, then one summary line `N passed, N failed`.
 * Static checks count as one test each so a lint failure shows in the count, not only in the exit code.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';

interface StageResult {
  name: string;
  passed: number;
  failed: number;
  skipped: number;
  seconds: number;
  ok: boolean;
  /** Each failed test's title and the first lines of its error, for the summary. */
  failures?: string[];
}

const REPORTS = path.resolve('.tmp/test-reports');

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('close', (code) => resolve(code ?? 1));
    child.on('error', () => resolve(1));
  });
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** The first lines of an error message without terminal colours: enough to tell which check failed. */
function errorHead(message: string): string {
  const lines = stripVTControlCharacters(message)
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '');
  return lines
    .slice(0, 6)
    .map((l) => `      ${l}`)
    .join('\n');
}

interface VitestReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults?: {
    name: string;
    assertionResults?: { fullName: string; status: string; failureMessages?: string[] }[];
  }[];
}

interface PlaywrightSuite {
  title: string;
  specs?: {
    title: string;
    file: string;
    line: number;
    tests: { results: { status: string; error?: { message?: string } }[] }[];
  }[];
  suites?: PlaywrightSuite[];
}

function playwrightFailures(suites: PlaywrightSuite[] = []): string[] {
  return suites.flatMap((suite) => [
    ...(suite.specs ?? []).flatMap((spec) =>
      spec.tests.flatMap((t) => {
        const last = t.results.at(-1);
        if (!last || last.status === 'passed' || last.status === 'skipped') return [];
        return [`${spec.file}:${spec.line} › ${spec.title}\n${errorHead(last.error?.message ?? last.status)}`];
      }),
    ),
    ...playwrightFailures(suite.suites),
  ]);
}

async function staticStage(name: string, script: string): Promise<StageResult> {
  const started = Date.now();
  const code = await run('npm', ['run', '--silent', script]);
  const ok = code === 0;
  return { name, passed: ok ? 1 : 0, failed: ok ? 0 : 1, skipped: 0, seconds: (Date.now() - started) / 1000, ok };
}

async function vitestStage(): Promise<StageResult> {
  const started = Date.now();
  const out = path.join(REPORTS, 'vitest.json');
  // The PostgreSQL suites start a throwaway cluster; install the server first, outside any test timeout.
  // When that cannot be done, those suites fail with the same message: they are never skipped.
  await run('npx', ['tsx', 'scripts/ensure-postgres.ts', '--install-only']);
  const code = await run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`]);
  const report = await readJson<VitestReport>(out);
  const failed = report ? report.numFailedTests : 1;
  return {
    name: 'unit + server (vitest)',
    passed: report?.numPassedTests ?? 0,
    failed: code !== 0 && failed === 0 ? 1 : failed,
    skipped: (report?.numPendingTests ?? 0) + (report?.numTodoTests ?? 0),
    seconds: (Date.now() - started) / 1000,
    ok: code === 0,
    failures: (report?.testResults ?? []).flatMap((file) =>
      (file.assertionResults ?? [])
        .filter((a) => a.status === 'failed')
        .map(
          (a) =>
            `${path.relative(process.cwd(), file.name)} › ${a.fullName}\n${errorHead(a.failureMessages?.[0] ?? '')}`,
        ),
    ),
  };
}

async function e2eStage(): Promise<StageResult> {
  const started = Date.now();
  const out = path.join(REPORTS, 'playwright.json');
  const ready = await run('npx', ['tsx', 'scripts/ensure-chromium.ts']);
  if (ready !== 0)
    return {
      name: 'e2e (Playwright)',
      passed: 0,
      failed: 1,
      skipped: 0,
      seconds: (Date.now() - started) / 1000,
      ok: false,
    };
  const code = await run('npx', ['playwright', 'test', '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: out });
  const report = await readJson<{
    stats: { expected: number; unexpected: number; flaky: number; skipped: number };
    suites?: PlaywrightSuite[];
  }>(out);
  const failed = report ? report.stats.unexpected : 1;
  return {
    name: 'e2e (Playwright)',
    passed: (report?.stats.expected ?? 0) + (report?.stats.flaky ?? 0),
    failed: code !== 0 && failed === 0 ? 1 : failed,
    skipped: report?.stats.skipped ?? 0,
    seconds: (Date.now() - started) / 1000,
    ok: code === 0,
    failures: playwrightFailures(report?.suites),
  };
}

await rm(REPORTS, { recursive: true, force: true });
await mkdir(REPORTS, { recursive: true });
const results: StageResult[] = [];
results.push(await staticStage('typecheck (tsc per runtime + svelte-check)', 'check'));
results.push(await staticStage('lint (eslint + prettier)', 'lint'));
results.push(await staticStage('bundle size (app JS ≤ 200 KB gzipped)', 'size'));
results.push(await vitestStage());
results.push(await e2eStage());

console.log('\n── Phosphene test summary ──');
for (const r of results) {
  console.log(
    `${r.ok ? 'ok  ' : 'FAIL'}  ${r.name}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped (${r.seconds.toFixed(1)} s)`,
  );
}
// The failures again, short, next to the counts: a CI log is often read from its end only.
const failures = results.flatMap((r) => r.failures ?? []);
if (failures.length) console.log(`\nfailed:\n${failures.map((f) => `  ${f}`).join('\n')}`);
const total = results.reduce(
  (a, r) => ({ passed: a.passed + r.passed, failed: a.failed + r.failed, skipped: a.skipped + r.skipped }),
  { passed: 0, failed: 0, skipped: 0 },
);
const seconds = results.reduce((a, r) => a + r.seconds, 0);
console.log(`total time ${(seconds / 60).toFixed(1)} min`);
console.log(`${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
