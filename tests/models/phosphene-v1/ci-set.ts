/** CI's held-out set for the shipped model: 256×144×17 with Phosor's defaults (4 steps, guidance 1), scene seed 4242. */
export const CI_SET = {
  n: 24,
  width: 256,
  height: 144,
  num_frames: 17,
  steps: 4,
  guidance_scale: 1,
  sceneSeed: 4242,
  device: 'cpu',
};
