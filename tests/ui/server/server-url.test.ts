import { describe, expect, it } from 'vitest';
import { serverUrl } from '../../../src/ui/server/server-url';

describe('serverUrl', () => {
  it('reads an http(s) origin, with or without its trailing slash', () => {
    expect(serverUrl(' https://phosphene.example.com/ ')).toBe('https://phosphene.example.com');
    expect(serverUrl('http://localhost:8787')).toBe('http://localhost:8787');
  });

  it('refuses what is not a bare origin', () => {
    for (const bad of [
      '',
      'phosphene.example.com',
      'ftp://x.example',
      'https://x.example/api',
      'https://u:p@x.example',
      'javascript:alert(1)',
    ])
      expect(serverUrl(bad)).toBeNull();
  });
});
