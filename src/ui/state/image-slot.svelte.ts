/** One "start from / end on an image" control: the decoded picture, its thumbnail and what went wrong. */
import { serializeError } from '../../shared/errors';
import type { ConditioningImage } from '../../shared/protocol';

/** A picked image: pixels for the worker and a blob URL for the thumbnail. */
export interface PickedImage {
  image: ConditioningImage;
  previewUrl: string;
  fileName: string;
}

/** Reactive state of one image control. */
export class ImageSlot {
  picked = $state.raw<PickedImage | null>(null);
  error = $state('');
  busy = $state(false);
  #generation = 0;

  /** Decodes `file` with `decode` (the worker's); a non-image leaves the slot empty with a message. */
  async pick(file: File, decode: (file: Blob) => Promise<ConditioningImage>): Promise<void> {
    this.clear();
    const generation = ++this.#generation;
    this.busy = true;
    try {
      const image = await decode(file);
      if (generation !== this.#generation) return; // a newer pick or a removal won
      this.picked = { image, previewUrl: URL.createObjectURL(file), fileName: file.name };
    } catch (error) {
      if (generation !== this.#generation) return;
      const { message } = serializeError(error);
      this.error = `${file.name || 'That file'} cannot be used: ${message}`;
    } finally {
      if (generation === this.#generation) this.busy = false;
    }
  }

  /** Puts an image kept with a clip back into the slot (its thumbnail drawn from the pixels). */
  async restore(
    image: ConditioningImage,
    fileName: string,
    toPng: (image: ConditioningImage) => Promise<Blob>,
  ): Promise<void> {
    this.clear();
    const generation = this.#generation;
    const png = await toPng(image);
    if (generation !== this.#generation) return;
    this.picked = { image, previewUrl: URL.createObjectURL(png), fileName };
  }

  /** Empties the slot and frees the thumbnail's URL. */
  clear(): void {
    this.#generation++;
    if (this.picked) URL.revokeObjectURL(this.picked.previewUrl);
    this.picked = null;
    this.error = '';
    this.busy = false;
  }
}
