import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ortNodeBackend } from '../../../server/inference/ort-node';
import { hostTensor } from '../../../src/pipeline/backend/types';

const textEncoder = readFileSync('tests/fixtures/models/phosphene-tiny/text_encoder.onnx');

describe('ortNodeBackend', () => {
  it('resolves every request but webgpu to the CPU provider', async () => {
    expect(await ortNodeBackend.resolveDevice('auto')).toBe('cpu');
    expect(await ortNodeBackend.resolveDevice('wasm')).toBe('cpu');
    expect(await ortNodeBackend.resolveDevice('webgpu')).toBe('webgpu');
  });

  it('runs a real graph and learns its placement from the first run’s profile', async () => {
    const session = await ortNodeBackend.createSession(textEncoder, { device: 'cpu', graphName: 'text_encoder' });
    try {
      expect(session.inputNames).toEqual(['input_ids']);
      expect(session.placement()).toBeUndefined();
      const ids = hostTensor(
        'int64',
        BigInt64Array.from({ length: 32 }, (_, i) => BigInt(i % 7)),
        [1, 32],
      );
      const out = await session.run({ input_ids: ids });
      expect(out.hidden_states!.dims).toEqual([1, 32, 32]);
      expect(out.hidden_states!.dtype).toBe('float32');
      const placement = session.placement()!;
      expect(placement.graph).toBe('text_encoder');
      expect(Object.keys(placement.nodesByProvider)).toEqual(['cpu']);
      expect(placement.nodesByProvider.cpu).toBeGreaterThan(10);
      // A second run reuses the session and keeps the placement.
      await session.run({ input_ids: ids });
      expect(session.placement()).toEqual(placement);
    } finally {
      await session.release();
    }
  });
});
