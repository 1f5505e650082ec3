import { describe, expect, it } from 'vitest';
import { clipStepSchema, editOpSchema, gifOptionsSchema } from '../../src/shared/edit-ops';

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

const message = (op: unknown) => editOpSchema.safeParse(op).error?.issues[0]?.message;

describe('editOpSchema: resize', () => {
  it('takes a preset (padded, as the platform resizes) or a width and height', () => {
    expect(editOpSchema.parse({ op: 'resize', preset: '720p' })).toEqual({
      op: 'resize',
      preset: '720p',
      width: 1280,
      height: 720,
      fit: 'pad',
    });
    expect(editOpSchema.parse({ op: 'resize', preset: '1080p', fit: 'stretch' })).toMatchObject({
      width: 1920,
      height: 1080,
      fit: 'stretch',
    });
    expect(editOpSchema.parse({ op: 'resize', width: 96, height: 64, fit: 'pad' })).toEqual({
      op: 'resize',
      width: 96,
      height: 64,
      fit: 'pad',
    });
  });

  it('parses its own output to the same edit (the worker checks what the page parsed)', () => {
    const once = editOpSchema.parse({ op: 'resize', preset: '720p' });
    expect(editOpSchema.parse(once)).toEqual(once);
  });

  it.each([
    [{ op: 'resize' }, 'Choose a preset (1080p or 720p) or give both a width and a height'],
    [{ op: 'resize', width: 96 }, 'Choose a preset (1080p or 720p) or give both a width and a height'],
    [{ op: 'resize', preset: '4k' }, 'The preset is 1080p or 720p'],
    [
      { op: 'resize', preset: '720p', width: 96, height: 64 },
      'A 720p preset is 1280×720: leave width and height out, or choose no preset',
    ],
    [{ op: 'resize', width: 96, height: 64, fit: 'cover' }, 'Fit is pad (black bars) or stretch'],
    [{ op: 'resize', width: 97, height: 64 }, 'The width must be even (H.264 stores colour at half resolution)'],
    [{ op: 'resize', width: 96, height: 4000 }, 'The height must be at most 1920 px'],
  ])('refuses %j: %s', (op, text) => {
    expect(message(op)).toBe(text);
  });
});

describe('editOpSchema: text', () => {
  it('fills white, from the start to the end, at a tenth of the height', () => {
    expect(editOpSchema.parse({ op: 'text', text: ' Hi ', position: 'top' })).toEqual({
      op: 'text',
      text: 'Hi',
      position: 'top',
      color: '#ffffff',
      start_time: 0,
    });
    const full = {
      op: 'text',
      text: 'Hi',
      position: 'bottom',
      font_size: 24,
      color: '#FFcc00',
      start_time: 0.5,
      end_time: 1.5,
    };
    expect(editOpSchema.parse(full)).toEqual(full);
  });

  it.each([
    [{ font_size: 4 }, 'The font size must be at least 8 px'],
    [{ font_size: 500 }, 'The font size must be at most 400 px'],
    [{ font_size: 12.5 }, 'The font size must be a whole number of pixels'],
    [{ color: 'red' }, 'The colour must be a hex colour like #ffcc00'],
    [{ color: '#fff' }, 'The colour must be a hex colour like #ffcc00'],
    [{ start_time: -1 }, 'The start time must be 0 s or more'],
    [{ end_time: '2' }, 'The end time must be a number of seconds'],
    [{ start_time: 2, end_time: 1 }, 'The end time must be after the start time'],
    [{ start_time: 1, end_time: 1 }, 'The end time must be after the start time'],
  ])('refuses %j: %s', (fields, text) => {
    expect(message({ op: 'text', text: 'Hi', position: 'top', ...fields })).toBe(text);
  });
});

describe('editOpSchema: merge (join)', () => {
  it('takes 1 to 19 gallery clips after this one, in order', () => {
    const ids = ['b', 'a', 'b'];
    expect(editOpSchema.parse({ op: 'join', clip_ids: ids })).toEqual({ op: 'join', clip_ids: ids });
    expect(editOpSchema.safeParse({ op: 'join', clip_ids: Array(19).fill('a') }).success).toBe(true);
    expect(message({ op: 'join', clip_ids: [] })).toBe(
      'Merge takes 2 to 20 clips: add at least one clip after this one',
    );
    expect(message({ op: 'join', clip_ids: Array(20).fill('a') })).toBe(
      'Merge takes 2 to 20 clips: remove some, at most 19 after this one',
    );
  });
});

describe('recipes from before these options still parse, to the same result', () => {
  it.each([
    [{ op: 'join' }, { op: 'join' }],
    [
      { op: 'text', text: 'Hello', position: 'top' },
      { op: 'text', text: 'Hello', position: 'top', color: '#ffffff', start_time: 0 },
    ],
    // Resize used to stretch: an old recipe keeps doing so.
    [
      { op: 'resize', width: 96, height: 64 },
      { op: 'resize', width: 96, height: 64, fit: 'stretch' },
    ],
    [
      { op: 'crop', x: 8, y: 16, width: 48, height: 32 },
      { op: 'crop', x: 8, y: 16, width: 48, height: 32 },
    ],
  ])('%j', (old, parsed) => {
    expect(clipStepSchema.parse(old)).toEqual(parsed);
  });
});
