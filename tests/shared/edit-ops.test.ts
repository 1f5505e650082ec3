import { describe, expect, it } from 'vitest';
import { gifOptionsSchema } from '../../src/shared/edit-ops';

describe('gifOptionsSchema', () => {
  it("takes a width and a rate, or neither (the clip's own)", () => {
    expect(gifOptionsSchema.parse({})).toEqual({});
    expect(gifOptionsSchema.parse({ width: 48, fps: 8 })).toEqual({ width: 48, fps: 8 });
  });

  it.each([
    [{ width: 8 }, 'The GIF width must be at least 16 px'],
    [{ width: 4000 }, 'The GIF width must be at most 1920 px'],
    [{ width: 48.5 }, 'The GIF width must be a whole number of pixels'],
    [{ fps: 0 }, 'The GIF frame rate must be at least 1 fps'],
    [{ fps: 60 }, 'The GIF frame rate must be at most 30 fps'],
    [{ fps: '8' }, 'The GIF frame rate must be a number'],
  ])('refuses %j: %s', (options, message) => {
    expect(gifOptionsSchema.safeParse(options).error?.issues[0]?.message).toBe(message);
  });
});
