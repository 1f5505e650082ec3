import { describe, expect, it } from 'vitest';
import { avcCodecString } from '../../../src/workers/video/encode-webcodecs';

describe('avcCodecString', () => {
  it('picks the lowest H.264 level whose frame size fits (Constrained Baseline)', () => {
    expect(avcCodecString(64, 64)).toBe('avc1.42E01F');
    expect(avcCodecString(1280, 720)).toBe('avc1.42E01F');
    expect(avcCodecString(1920, 1080)).toBe('avc1.42E028');
    expect(avcCodecString(3840, 2160)).toBe('avc1.42E033');
  });
});
