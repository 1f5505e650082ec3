/**
 * Requests Node's HTTP parser refuses never reach Express: a request line or headers over the 16 KiB
 * limit, a malformed request line or header. Node answers those with a bare status and no body; this
 * answers them in the API's one error shape, so a client parses every error the same way.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

const refusal = (status: number, reason: string, code: string, message: string) => {
  const body = JSON.stringify({ error: { code, message } });
  return (
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
};

const TOO_LARGE = refusal(
  431,
  'Request Header Fields Too Large',
  'headers_too_large',
  'The request line and headers exceed 16 KiB; send long values (a prompt) in the JSON body instead of the URL.',
);
const TIMED_OUT = refusal(
  408,
  'Request Timeout',
  'request_timeout',
  'The request took too long to arrive; send it again.',
);
const MALFORMED = refusal(400, 'Bad Request', 'bad_request', 'Malformed HTTP request; it could not be parsed.');

/** Installs the JSON answer to parser errors on `server`. */
export function answerClientErrorsAsJson(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    // A reset or timed-out connection has nobody to answer.
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    if (error.code === 'HPE_HEADER_OVERFLOW') socket.end(TOO_LARGE);
    else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') socket.end(TIMED_OUT);
    else socket.end(MALFORMED);
  });
}
