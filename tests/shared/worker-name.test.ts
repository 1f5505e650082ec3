import { describe, expect, it } from 'vitest';
import { placementRequested, workerName } from '../../src/shared/worker-name';

describe('the generate worker name', () => {
  it('asks for node placement only when told to', () => {
    expect(placementRequested(workerName({}))).toBe(false);
    expect(placementRequested(workerName({ placement: false }))).toBe(false);
    expect(placementRequested(workerName({ placement: true }))).toBe(true);
  });
  it('is off for a worker without a name (or any other)', () => {
    expect(placementRequested(undefined)).toBe(false);
    expect(placementRequested('')).toBe(false);
    expect(placementRequested('phosphene-generate+placement')).toBe(false);
  });
});
