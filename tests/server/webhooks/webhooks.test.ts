import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowAlso } from '../../../server/net/address-policy';
import { expireJobs } from '../../../server/jobs/sweeper';
import { deliverDueWebhooks, enqueueWebhookEvents, MAX_ATTEMPTS } from '../../../server/webhooks/deliveries';
import type { WebhookNetOptions } from '../../../server/webhooks/send';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, verifySignature } from '../../../server/webhooks/sign';
import { DATABASE_KINDS, useTestDatabase } from '../../helpers/databases';
import { inferenceHarness, SMALL, waitForStatus, type InferenceHarness } from '../jobs/inference-harness';

const SECRET = 'whsec_0123456789abcdef';
// The receiver is on 127.0.0.1 over http: the tests allow what production refuses.
const NET: WebhookNetOptions = { protocols: ['http:', 'https:'], policy: allowAlso(['127.0.0.1']) };

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

describe.each(DATABASE_KINDS)('webhooks on %s', (kind) => {
  const db = useTestDatabase(kind);
  let h: InferenceHarness;
  let app: InferenceHarness['app'];
  let receiver: Server;
  let receiverUrl = '';
  const received: Received[] = [];
  /** Answers for the next requests, in order; 204 once they run out. */
  const answers: number[] = [];

  beforeAll(async () => {
    h = await inferenceHarness(db());
    app = h.appWith({ webhookNet: NET });
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ path: req.url ?? '', headers: req.headers, body });
        res.writeHead(answers.shift() ?? 204).end();
      });
    });
    receiver.listen(0, '127.0.0.1');
    await new Promise((resolve) => receiver.once('listening', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  const submit = (key: string, webhook: object, a = app) =>
    request(a)
      .post('/api/v1/inference/submit')
      .set('X-API-Key', key)
      .send({ ...SMALL, webhook });
  const deliveries = async (key: string, id: string) =>
    (await request(app).get(`/api/v1/inference/webhooks/${id}`).set('X-API-Key', key).expect(200)).body.deliveries;
  /** Makes every pending delivery due now, as if its backoff had passed. */
  const fastForward = () =>
    db().query("UPDATE webhook_deliveries SET next_attempt_at = now() WHERE status = 'pending'");

  it('delivers processing and completed, signed, with an event id, and shows each attempt', async () => {
    const { key } = await h.user(1_000_000);
    const hook = { url: `${receiverUrl}/hooks/a`, secret: SECRET, events: ['processing', 'completed'] };
    const id = (await submit(key, hook).expect(200)).body.request_id as string;
    const worker = h.worker();
    try {
      await waitForStatus(app, key, id, (s) => s === 'completed');
    } finally {
      await worker.stop();
    }
    received.length = 0;
    expect(await enqueueWebhookEvents(db())).toBe(2);
    expect(await enqueueWebhookEvents(db())).toBe(0);
    expect(await deliverDueWebhooks(db(), NET)).toBe(2);
    expect(received.map((r) => r.path)).toEqual(['/hooks/a', '/hooks/a']);
    const events = received.map((r) => {
      expect(verifySignature(SECRET, String(r.headers[SIGNATURE_HEADER.toLowerCase()]), r.body)).toBe(true);
      expect(verifySignature('another-secret-value', String(r.headers[SIGNATURE_HEADER.toLowerCase()]), r.body)).toBe(
        false,
      );
      const payload = JSON.parse(r.body);
      expect(r.headers[EVENT_ID_HEADER.toLowerCase()]).toBe(payload.id);
      return payload;
    });
    expect(events.map((e) => e.type).sort()).toEqual(['job.completed', 'job.processing']);
    expect(events.find((e) => e.type === 'job.completed').data).toMatchObject({
      request_id: id,
      status: 'completed',
      result_url: `/api/v1/inference/result/${id}`,
    });
    const shown = await deliveries(key, id);
    expect(shown).toHaveLength(2);
    for (const d of shown)
      expect(d).toMatchObject({
        status: 'delivered',
        next_attempt_at: null,
        attempts: [{ attempt: 1, http_status: 204, error: null }],
      });
    // The secret is never shown back.
    const history = await request(app).get('/api/v1/inference/history').set('X-API-Key', key).expect(200);
    expect(JSON.stringify(history.body) + JSON.stringify(shown)).not.toContain(SECRET);
  });

  it('retries a failed delivery with backoff, the same event id each time, until it is accepted', async () => {
    const { key } = await h.user(1_000_000);
    const id = (await submit(key, { url: `${receiverUrl}/hooks/b`, secret: SECRET }).expect(200)).body.request_id;
    await request(app).post(`/api/v1/inference/cancel/${id}`).set('X-API-Key', key).expect(200);
    received.length = 0;
    answers.push(500, 503);
    await enqueueWebhookEvents(db());
    await deliverDueWebhooks(db(), NET);
    let [d] = await deliveries(key, id);
    expect(d).toMatchObject({ event: 'failed', status: 'pending', attempts: [{ attempt: 1, http_status: 500 }] });
    const wait = (Date.parse(d.next_attempt_at) - Date.now()) / 1000;
    expect(wait).toBeGreaterThan(5);
    expect(wait).toBeLessThan(15);
    // Not due yet: nothing is sent.
    expect(await deliverDueWebhooks(db(), NET)).toBe(0);
    await fastForward();
    await deliverDueWebhooks(db(), NET);
    await fastForward();
    await deliverDueWebhooks(db(), NET);
    [d] = await deliveries(key, id);
    expect(d.status).toBe('delivered');
    expect(d.attempts.map((a: { http_status: number }) => a.http_status)).toEqual([500, 503, 204]);
    expect(new Set(received.map((r) => r.headers[EVENT_ID_HEADER.toLowerCase()])).size).toBe(1);
    expect(JSON.parse(received[0]!.body).data).toMatchObject({ status: 'failed', error: { code: 'cancelled' } });
  });

  it('gives up after MAX_ATTEMPTS, and records a receiver that cannot be reached', async () => {
    const { key } = await h.user(1_000_000);
    // A port nothing listens on: every attempt is a connection error.
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await new Promise((resolve) => closed.once('listening', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/gone`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const id = (await submit(key, { url, secret: SECRET, events: ['failed'] }).expect(200)).body.request_id;
    await request(app).post(`/api/v1/inference/cancel/${id}`).set('X-API-Key', key).expect(200);
    await enqueueWebhookEvents(db());
    for (let i = 0; i < MAX_ATTEMPTS + 2; i++) {
      await fastForward();
      await deliverDueWebhooks(db(), NET);
    }
    const [d] = await deliveries(key, id);
    expect(d.status).toBe('failed');
    expect(d.attempts).toHaveLength(MAX_ATTEMPTS);
    expect(d.attempts[0]).toMatchObject({ http_status: null, error: expect.stringContaining('ECONNREFUSED') });
  });

  it('refuses private, metadata and plain-http URLs at submit under the real policy, naming webhook.url', async () => {
    const { key } = await h.user(1_000_000);
    for (const url of [
      'https://127.0.0.1/x',
      'https://169.254.169.254/latest',
      'http://93.184.216.34/x',
      'https://10.1.2.3/x',
    ]) {
      const res = await submit(key, { url, secret: SECRET }, h.app).expect(400);
      expect(res.body.error).toMatchObject({ code: 'url_refused', message: expect.stringMatching(/^webhook\.url: /) });
    }
    const short = await submit(key, { url: 'https://example.com/x', secret: 'short' }, h.app).expect(400);
    expect(short.body.error.message).toMatch(/webhook\.secret/);
    const events = await submit(
      key,
      { url: 'https://example.com/x', secret: SECRET, events: ['started'] },
      h.app,
    ).expect(400);
    expect(events.body.error.message).toMatch(/webhook\.events/);
  });

  it('shows a job’s deliveries only to its owner', async () => {
    const owner = await h.user(1_000_000);
    const other = await h.user(1_000_000);
    const id = (await submit(owner.key, { url: `${receiverUrl}/c`, secret: SECRET }).expect(200)).body.request_id;
    await request(app).get(`/api/v1/inference/webhooks/${id}`).set('X-API-Key', other.key).expect(404);
    await expireJobs(db(), { queueTimeoutMs: 0, executionTimeoutMs: 0 });
  });
});
