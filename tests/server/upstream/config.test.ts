/** The upstream list from UPSTREAMS / UPSTREAMS_FILE: defaults, and errors that name the entry and rule. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readUpstreams } from '../../../server/upstream/config';

describe('readUpstreams', () => {
  it('is empty without configuration, and fills defaults', () => {
    expect(readUpstreams({})).toEqual([]);
    const [u] = readUpstreams({ UPSTREAMS: '[{"name":"gpu","url":"http://127.0.0.1:9000/","api_key":"k"}]' });
    expect(u).toEqual({ name: 'gpu', url: 'http://127.0.0.1:9000', api_key: 'k', max_concurrent: 4, poll_ms: 1000 });
  });

  it('reads UPSTREAMS_FILE, and refuses both at once', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'upstreams-')), 'upstreams.json');
    writeFileSync(file, JSON.stringify([{ name: 'b', url: 'https://b.example.com', api_key: 'x', models: ['m'] }]));
    expect(readUpstreams({ UPSTREAMS_FILE: file })[0]).toMatchObject({ name: 'b', models: ['m'] });
    expect(() => readUpstreams({ UPSTREAMS_FILE: file, UPSTREAMS: '[]' })).toThrow(
      'Set UPSTREAMS or UPSTREAMS_FILE, not both.',
    );
    expect(() => readUpstreams({ UPSTREAMS_FILE: `${file}.missing` })).toThrow(/cannot be read/);
  });

  it('names the bad entry and the rule', () => {
    expect(() => readUpstreams({ UPSTREAMS: '{' })).toThrow(/UPSTREAMS is not JSON/);
    expect(() => readUpstreams({ UPSTREAMS: '[{"name":"local","url":"https://x.example","api_key":"k"}]' })).toThrow(
      /0\.name: "local" names this server's own workers/,
    );
    expect(() => readUpstreams({ UPSTREAMS: '[{"name":"a","url":"ftp://x","api_key":"k"}]' })).toThrow(
      /0\.url: must be an http\(s\) URL/,
    );
    const twice =
      '[{"name":"a","url":"https://x.example","api_key":"k"},{"name":"a","url":"https://y.example","api_key":"k"}]';
    expect(() => readUpstreams({ UPSTREAMS: twice })).toThrow(/1\.name: "a" is used twice/);
  });
});
