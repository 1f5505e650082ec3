/**
 * "Add a model": the worker's checks of the page's request (a message, so untrusted) and how it finds the
 * package inside picked files. The import itself (fetch, verify, Cache Storage) runs in Chromium:
 * e2e/model-import.spec.ts.
 */
import { describe, expect, it } from 'vitest';
import { InvalidParamsError, ModelPackageError } from '../../src/shared/errors';
import { MAX_PICKED_FILES } from '../../src/shared/model-cache';
import { packageFiles, parseImportFrom } from '../../src/workers/model-import';

const blob = (text: string) => new Blob([text]);

describe('parseImportFrom', () => {
  it('takes an http(s) URL, trimmed', () => {
    expect(parseImportFrom({ url: ' https://example.com/m/model.json ' })).toEqual({
      url: 'https://example.com/m/model.json',
    });
    expect(parseImportFrom({ url: 'http://127.0.0.1:9/m/' })).toEqual({ url: 'http://127.0.0.1:9/m/' });
  });

  it.each([
    ['file:///etc/passwd'],
    ['javascript:alert(1)'],
    ['/models/x/model.json'],
    ['https://'],
    [`https://example.com/${'a'.repeat(2000)}`],
    [42],
  ])('refuses the URL %s with what to give instead', (url) => {
    expect(() => parseImportFrom({ url })).toThrow(InvalidParamsError);
    expect(() => parseImportFrom({ url })).toThrow(/http\(s\) URL of its folder or its model\.json/);
  });

  it('takes files as [path, Blob] pairs and refuses anything else', () => {
    const files: [string, Blob][] = [['m/model.json', blob('{}')]];
    expect(parseImportFrom({ files })).toEqual({ files });
    for (const bad of [null, 'x', {}, { files: [] }, { files: [['m/model.json', '{}']] }, { files: [['', blob('')]] }])
      expect(() => parseImportFrom(bad)).toThrow(InvalidParamsError);
  });

  it('refuses a folder with more files than any package has', () => {
    const files = Array.from({ length: MAX_PICKED_FILES + 1 }, (_, i) => [`f${i}`, blob('')]);
    expect(() => parseImportFrom({ files })).toThrow(/holds 501 files; a model package has far fewer/);
  });
});

describe('packageFiles', () => {
  it('roots the package at the shallowest model.json and drops what lies outside it', () => {
    const { root, files } = packageFiles([
      ['downloads/tiny/model.json', blob('m')],
      ['downloads/tiny/denoiser.onnx', blob('d')],
      ['downloads/tiny/sub/extra.json', blob('e')],
      ['downloads/tiny/old/model.json', blob('o')], // a package inside the package: not the root
      ['downloads/notes.txt', blob('n')],
    ]);
    expect(root).toBe('downloads/tiny/');
    expect([...files.keys()].sort()).toEqual(['denoiser.onnx', 'model.json', 'old/model.json', 'sub/extra.json']);
  });

  it('takes loose files (a drop of the files themselves) and Windows separators', () => {
    expect([
      ...packageFiles([
        ['model.json', blob('m')],
        ['a.onnx', blob('a')],
      ]).files.keys(),
    ]).toEqual(['model.json', 'a.onnx']);
    expect(packageFiles([['pkg\\model.json', blob('m')]]).root).toBe('pkg/');
  });

  it('says what to pick when there is no model.json', () => {
    expect(() => packageFiles([['x/denoiser.onnx', blob('d')]])).toThrow(ModelPackageError);
    expect(() => packageFiles([['x/denoiser.onnx', blob('d')]])).toThrow(
      /pick the folder of a Phosphene model package/,
    );
  });
});
