/**
 * Folder = runtime: each runtime's tsconfig must reject the APIs of the others. Compiles one small
 * in-memory file under each folder with that folder's real tsconfig and reads the diagnostics.
 */
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');

function diagnosticsFor(tsconfig: string, file: string, source: string): string[] {
  const config = ts.readConfigFile(path.join(root, tsconfig), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const probe = path.join(root, file);
  const host = ts.createCompilerHost(parsed.options);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => (path.resolve(name) === probe ? source : readFile(name));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => path.resolve(name) === probe || fileExists(name);
  const program = ts.createProgram([probe], parsed.options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file && path.resolve(d.file.fileName) === probe)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('tsconfig.pipeline.json', () => {
  const check = (source: string) => diagnosticsFor('tsconfig.pipeline.json', 'src/pipeline/probe.ts', source);

  it('accepts the APIs that browsers workers and Node share', () => {
    expect(
      check(
        'export const f = fetch; export const d = crypto.subtle.digest; export const s = new AbortController().signal;',
      ),
    ).toEqual([]);
  });
  it('rejects a DOM call', () => {
    expect(check('export const title = document.title;')).toEqual([
      expect.stringContaining("Cannot find name 'document'"),
    ]);
  });
  it('rejects a Node-only import', () => {
    expect(check("import { readFileSync } from 'node:fs'; export const r = readFileSync;").join('\n')).toMatch(
      /node:fs/,
    );
  });
});

describe('tsconfig.worker.json', () => {
  it('rejects a DOM call in a worker entry', () => {
    const errors = diagnosticsFor('tsconfig.worker.json', 'src/workers/probe.ts', 'export const el = document.body;');
    expect(errors).toEqual([expect.stringContaining("Cannot find name 'document'")]);
  });
});

describe('tsconfig.shared.json', () => {
  it('rejects runtime APIs in shared code', () => {
    const errors = diagnosticsFor('tsconfig.shared.json', 'src/shared/probe.ts', 'export const f = fetch;');
    expect(errors).toEqual([expect.stringContaining("Cannot find name 'fetch'")]);
  });
});
