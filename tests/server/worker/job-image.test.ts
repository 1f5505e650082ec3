import { describe, expect, it } from 'vitest';
import { JobImageError, loadJobImage } from '../../../server/worker/job-image';
import { JPEG_3X2, WEBP_LOSSLESS_3X2, png } from '../../helpers/images';

const store = (files: Record<string, Buffer>) => ({
  read: async (key: string) => {
    const bytes = files[key];
    if (!bytes) throw Object.assign(new Error(`no ${key}`), { code: 'ENOENT' });
    return bytes;
  },
});

describe('loadJobImage', () => {
  describe('a stored image', () => {
    it.each([
      ['images/a.png', png(4, 3), 4, 3],
      ['images/a.jpg', JPEG_3X2, 3, 2],
      ['images/a.webp', WEBP_LOSSLESS_3X2, 3, 2],
    ])('decodes %s as the first frame of an image-to-video job', async (key, bytes, width, height) => {
      const conditioning = await loadJobImage(store({ [key]: bytes }), key);
      expect(conditioning).toMatchObject({ mode: 'image-to-video', image: { width, height } });
      expect(conditioning.image!.rgba.length).toBe(width * height * 4);
    });
  });

  describe('an unusable image', () => {
    it.each([
      ['no image store', undefined, /no image store/],
      ['a missing file', store({}), /cannot be read \(ENOENT\)/],
      ['bytes that do not decode', store({ 'images/a.png': png(8, 8).subarray(0, 50) }), /could not be decoded/],
    ])('is a JobImageError for %s', async (_name, files, message) => {
      const loading = loadJobImage(files, 'images/a.png');
      await expect(loading).rejects.toBeInstanceOf(JobImageError);
      await expect(loading).rejects.toThrow(message);
    });
  });
});
