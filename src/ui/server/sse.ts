/**
 * Server-Sent Events over `fetch`, because EventSource cannot send the `X-API-Key` header. Parses the
 * `id:`, `event:` and `data:` fields of each block (the subset our events route writes) from a streamed
 * body; comment lines (keep-alives) are skipped.
 */

/** One event of the stream. */
export interface SseMessage {
  id: string;
  event: string;
  data: string;
}

/** Yields each complete event of `body` as it arrives; ends with the stream. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let carry = ''; // a CR at the end of a chunk may be the first half of a CRLF
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      let text = carry + decoder.decode(value, { stream: true });
      carry = text.endsWith('\r') ? '\r' : '';
      if (carry) text = text.slice(0, -1);
      buffer += text.replace(/\r\n?/g, '\n');
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const message: SseMessage = { id: '', event: 'message', data: '' };
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line === '' || line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'data') data.push(value);
          else if (field === 'id') message.id = value;
          else if (field === 'event') message.event = value;
        }
        if (data.length > 0) yield { ...message, data: data.join('\n') };
      }
    }
  } finally {
    reader.releaseLock();
    await body.cancel().catch(() => undefined);
  }
}
