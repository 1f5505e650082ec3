import { describe, expect, it } from 'vitest';
import { FlowMatchEulerScheduler } from '../../../src/pipeline/schedulers/flow-match-euler';

const close = (actual: number[], expected: number[], tolerance = 1e-9) => {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) =>
    expect(Math.abs(v - expected[i]!), `index ${i}: ${v} vs ${expected[i]}`).toBeLessThan(tolerance),
  );
};

// Reference values worked out by hand from diffusers' FlowMatchEulerDiscreteScheduler (static shift):
// σ range [shift(1), shift(1/T)], linspace over it, shifted again; timesteps = σ·T.
describe('FlowMatchEulerScheduler', () => {
  describe('4 steps, shift 3', () => {
    const scheduler = new FlowMatchEulerScheduler({ shift: 3, numTrainTimesteps: 1000 });
    scheduler.setTimesteps(4);

    it('has the reference sigmas, ending in 0', () => {
      close(scheduler.sigmas, [1, 0.8576923076923075, 0.6021505376344084, 0.008928571428571713, 0]);
    });

    it('has the reference timesteps', () => {
      close(scheduler.timesteps, [1000, 857.6923076923075, 602.1505376344084, 8.928571428571713], 1e-6);
    });
  });

  describe('50 steps, shift 1', () => {
    const scheduler = new FlowMatchEulerScheduler({ shift: 1, numTrainTimesteps: 1000 });
    scheduler.setTimesteps(50);

    it('is a plain linspace from 1 to 1/T, then 0', () => {
      expect(scheduler.sigmas).toHaveLength(51);
      close(
        [0, 1, 2, 24, 25, 48, 49, 50].map((i) => scheduler.sigmas[i]!),
        [
          1, 0.9796122448979592, 0.9592244897959183, 0.5106938775510205, 0.4903061224489796, 0.021387755102040842,
          0.001, 0,
        ],
      );
    });

    it('has timesteps σ·1000', () => {
      close(
        [0, 1, 49].map((i) => scheduler.timesteps[i]!),
        [1000, 979.6122448979592, 1],
        1e-6,
      );
    });
  });

  describe('trailing spacing', () => {
    it('spends every one of 4 steps: σ = 1, 0.75, 0.5, 0.25, then 0 (the linspace default ends at 0.001)', () => {
      const trailing = new FlowMatchEulerScheduler({ shift: 1, numTrainTimesteps: 1000, spacing: 'trailing' });
      trailing.setTimesteps(4);
      close(trailing.sigmas, [1, 0.75, 0.5, 0.25, 0]);
      close(trailing.timesteps, [1000, 750, 500, 250], 1e-9);
      const linspace = new FlowMatchEulerScheduler({ shift: 1, numTrainTimesteps: 1000 });
      linspace.setTimesteps(4);
      close(linspace.sigmas, [1, 0.667, 0.334, 0.001, 0]);
    });

    it('shifts the trailing points once, as diffusers shifts the sigmas a pipeline passes', () => {
      const scheduler = new FlowMatchEulerScheduler({ shift: 3, numTrainTimesteps: 1000, spacing: 'trailing' });
      scheduler.setTimesteps(4);
      // shift(σ) = 3σ / (1 + 2σ): 0.75 → 0.9, 0.5 → 0.75, 0.25 → 0.5.
      close(scheduler.sigmas, [1, 0.9, 0.75, 0.5, 0]);
    });
  });

  it('has a single step at σ = 1', () => {
    const scheduler = new FlowMatchEulerScheduler({ shift: 3, numTrainTimesteps: 1000 });
    scheduler.setTimesteps(1);
    expect(scheduler.sigmas).toEqual([1, 0]);
    expect(scheduler.timesteps).toEqual([1000]);
  });

  it('steps x + (σ_next − σ)·v in place', () => {
    const scheduler = new FlowMatchEulerScheduler({ shift: 1, numTrainTimesteps: 1000 });
    scheduler.setTimesteps(2); // σ = [1, 0.001, 0]
    const sample = new Float32Array([1, -2, 0.5]);
    const out = scheduler.step(new Float32Array([2, 4, -1]), 0, sample);
    expect(out).toBe(sample);
    expect(Array.from(sample)).toEqual(Array.from(new Float32Array([1 - 0.999 * 2, -2 - 0.999 * 4, 0.5 + 0.999])));
  });

  it('turns pure noise into the data when the velocity is exact', () => {
    // x_σ = σ·noise + (1 − σ)·data and v = noise − data: Euler is exact on straight paths.
    const scheduler = new FlowMatchEulerScheduler({ shift: 3, numTrainTimesteps: 1000 });
    scheduler.setTimesteps(4);
    const noise = new Float32Array([0.3, -1.2]);
    const data = new Float32Array([0.5, 0.25]);
    const x = Float32Array.from(noise);
    const velocity = noise.map((n, i) => n - data[i]!);
    scheduler.timesteps.forEach((_, i) => scheduler.step(velocity, i, x));
    close(Array.from(x), Array.from(data), 1e-6);
  });

  it('refuses a step outside the schedule and bad step counts', () => {
    const scheduler = new FlowMatchEulerScheduler({ shift: 1, numTrainTimesteps: 1000 });
    expect(() => scheduler.step(new Float32Array(1), 0, new Float32Array(1))).toThrow(/setTimesteps/);
    expect(() => scheduler.setTimesteps(0)).toThrow(RangeError);
  });
});
