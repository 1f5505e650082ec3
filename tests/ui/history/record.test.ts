import { describe, expect, it } from 'vitest';
import { historyRecordSchema, type HistoryRecord } from '../../../src/ui/history/record';

const record: HistoryRecord = {
  id: 'job-1',
  createdAt: 1_700_000_000_000,
  modelId: 'phosphene/random-v0/text-to-video',
  modelUrl: 'http://127.0.0.1:8787/models/phosphene-random/model.json',
  params: {
    prompt: 'a red circle',
    negative_prompt: '',
    width: 256,
    height: 144,
    num_frames: 9,
    num_inference_steps: 2,
    guidance_scale: 1,
    seed: 1,
    frames_per_second: 16,
  },
  device: 'wasm',
  encoder: 'webcodecs',
  numFrames: 9,
  elapsedMs: 1234,
  bytes: 5000,
};

describe('historyRecordSchema', () => {
  it('reads back what the playground stores', () => {
    expect(historyRecordSchema.parse(structuredClone(record))).toEqual(record);
  });
  it('rejects records from another version or a corrupted store', () => {
    expect(historyRecordSchema.safeParse({ ...record, device: 'cuda' }).success).toBe(false);
    expect(historyRecordSchema.safeParse({ ...record, params: { ...record.params, width: '256' } }).success).toBe(
      false,
    );
    expect(historyRecordSchema.safeParse('job-1').success).toBe(false);
  });
});
