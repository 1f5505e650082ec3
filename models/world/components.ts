/** Connected components of a foreground mask: the evaluator's objects in one frame. */

/** One 4-connected blob: its pixel indices (y·width + x) and their label in the label image. */
export interface Component {
  label: number;
  pixels: number[];
}

/** Labels the pixels where `distance > threshold`; returns blobs of `minArea` to `maxArea` pixels and the label image. */
export function components(
  distance: Float32Array,
  width: number,
  height: number,
  threshold: number,
  minArea: number,
  maxArea = Infinity,
): { blobs: Component[]; labels: Int32Array } {
  const labels = new Int32Array(width * height);
  const blobs: Component[] = [];
  const stack: number[] = [];
  let next = 0;
  for (let start = 0; start < distance.length; start++) {
    if (labels[start] !== 0 || !(distance[start]! > threshold)) continue;
    const label = ++next;
    const pixels: number[] = [];
    labels[start] = label;
    stack.push(start);
    while (stack.length > 0) {
      const i = stack.pop()!;
      pixels.push(i);
      const x = i % width;
      // Neighbours left, right, up, down (no closure: this loop visits every foreground pixel).
      for (let k = 0; k < 4; k++) {
        const j =
          k === 0 ? (x > 0 ? i - 1 : -1) : k === 1 ? (x < width - 1 ? i + 1 : -1) : k === 2 ? i - width : i + width;
        if (j < 0 || j >= labels.length || labels[j] !== 0 || !(distance[j]! > threshold)) continue;
        labels[j] = label;
        stack.push(j);
      }
    }
    // Small blobs are noise (a model's speckle), huge ones a background the model got wrong: neither is an
    // object. Their labels stay, so they are not mistaken for background either.
    if (pixels.length >= minArea && pixels.length <= maxArea) blobs.push({ label, pixels });
  }
  return { blobs, labels };
}
