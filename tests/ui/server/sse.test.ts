/** The SSE reader: events split anywhere across chunks, comments skipped, multi-line data joined. */
import { describe, expect, it } from 'vitest';
import { readSse } from '../../../src/ui/server/sse';

const streamOf = (chunks: string[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
      controller.close();
    },
  });

const collect = async (chunks: string[]) => {
  const out = [];
  for await (const m of readSse(streamOf(chunks))) out.push(m);
  return out;
};

describe('readSse', () => {
  const text = 'id: 1.a\nevent: processing\ndata: {"a":1}\n\n: keep-alive\n\nid: 2\r\ndata: x\r\ndata: y\r\n\r\n';
  const want = [
    { id: '1.a', event: 'processing', data: '{"a":1}' },
    { id: '2', event: 'message', data: 'x\ny' },
  ];

  it('reads every event of one chunk, skipping comments', async () => {
    expect(await collect([text])).toEqual(want);
  });

  it('reads the same events however the bytes are split, even inside a UTF-8 character', async () => {
    const bytes = new TextEncoder().encode(text.replace('{"a":1}', '{"a":"é"}'));
    for (const size of [1, 2, 3, 7]) {
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          for (const chunk of chunks) c.enqueue(chunk);
          c.close();
        },
      });
      const out = [];
      for await (const m of readSse(stream)) out.push(m);
      expect(out).toEqual([{ ...want[0], data: '{"a":"é"}' }, want[1]]);
    }
  });

  it('drops an event cut off by the end of the stream', async () => {
    expect(await collect(['data: whole\n\ndata: cut'])).toEqual([{ id: '', event: 'message', data: 'whole' }]);
  });
});
