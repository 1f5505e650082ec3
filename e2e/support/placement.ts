/** The placement assertion the provider specs share. */
import { expect } from '@playwright/test';
import type { GraphPlacement, ResolvedDevice } from '../../src/shared/protocol';

/** Every graph of a text-to-video job ran, and every node of each on `provider`. */
export function expectAllNodesOn(result: { device: string; placement: GraphPlacement[] }, provider: ResolvedDevice) {
  expect(result.device).toBe(provider);
  expect(result.placement.map((p) => p.graph).sort()).toEqual(['denoiser', 'text_encoder', 'vae_decoder']);
  for (const p of result.placement) {
    expect(
      Object.keys(p.nodesByProvider),
      `${provider} ${p.graph} placement ${JSON.stringify(p.nodesByProvider)}`,
    ).toEqual([provider]);
    expect(p.nodesByProvider[provider]).toBeGreaterThan(0);
  }
}
