import { describe, expect, it } from 'vitest';
import { readPageOptions } from '../../src/ui/page-options';

describe('readPageOptions', () => {
  it('defaults to the automatic choices', () => {
    expect(readPageOptions('')).toEqual({ device: null, encoder: 'auto', model: null, debug: false });
  });
  it('reads a forced device, encoder and model', () => {
    expect(readPageOptions('?device=wasm&encoder=ffmpeg.wasm&model=phosphene-tiny&debug')).toEqual({
      device: 'wasm',
      encoder: 'ffmpeg.wasm',
      model: 'phosphene-tiny',
      debug: true,
    });
  });
  it('reads the server as a place to run', () => {
    expect(readPageOptions('?device=server').device).toBe('server');
  });
  it('ignores values it does not know', () => {
    expect(readPageOptions('?device=cuda&encoder=hevc')).toEqual({
      device: null,
      encoder: 'auto',
      model: null,
      debug: false,
    });
  });
});
