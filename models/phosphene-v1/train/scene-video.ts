/** A world scene as the VAE encoder's input: rendered, then `[1, 3, F, H, W]` floats in [-1, 1]. */
import { renderScene } from '../../world/render';
import type { Scene } from '../../world/scene';

export function sceneVideo(scene: Scene, width: number, height: number, numFrames: number): Float32Array {
  const rgba = renderScene(scene, { width, height, numFrames });
  const plane = width * height;
  const video = new Float32Array(3 * numFrames * plane);
  for (let f = 0; f < numFrames; f++)
    for (let p = 0; p < plane; p++)
      for (let c = 0; c < 3; c++) video[(c * numFrames + f) * plane + p] = rgba[(f * plane + p) * 4 + c]! / 127.5 - 1;
  return video;
}
