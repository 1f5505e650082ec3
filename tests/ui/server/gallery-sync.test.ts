/**
 * Gallery sync between two devices of one user through the real server: each device's clips reach the
 * other with their MP4s byte for byte, server jobs reach both, a second sync changes nothing, and a clip
 * made while the server is unreachable goes up on the first sync after it is back. An edited clip arrives
 * with its whole recipe (steps, LoRA) and its conditioning images; one whose recipe this app cannot read is
 * reported and left on the server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePng } from '../../../server/images/png-encode';
import type { HistoryRecord } from '../../../src/ui/history/record';
import { syncGallery, type ClipImageFiles, type GalleryStore } from '../../../src/ui/server/gallery-sync';
import { PhosorClient } from '../../../src/ui/server/phosor-client';
import { runServerJob } from '../../../src/ui/server/run-server-job';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process';
import { TINY_PARAMS } from '../../server/jobs/fixtures';

const MODEL = 'phosphene/tiny-test/text-to-video';
const PARAMS = { ...TINY_PARAMS, prompt: 'a blue square', seed: 3 };

/** A device's gallery in memory, as the app's IndexedDB store behaves. */
class MemoryGallery implements GalleryStore {
  readonly clips = new Map<string, { record: HistoryRecord; video: Blob; images: ClipImageFiles }>();
  readonly deletions = new Map<string, string>();
  /** What the app's delete does: the clip goes, and a synced one leaves a note for the server. */
  deleteHere(id: string) {
    const requestId = this.clips.get(id)?.record.requestId;
    this.clips.delete(id);
    if (requestId) this.deletions.set(id, requestId);
  }
  remove = (id: string) => {
    this.clips.delete(id);
    return Promise.resolve();
  };
  pendingDeletions = () => Promise.resolve([...this.deletions].map(([id, requestId]) => ({ id, requestId })));
  deletionDone = (id: string) => {
    this.deletions.delete(id);
    return Promise.resolve();
  };
  records = () => Promise.resolve([...this.clips.values()].map((c) => c.record));
  video = (id: string) => Promise.resolve(this.clips.get(id)?.video);
  images = (id: string) => Promise.resolve(this.clips.get(id)?.images ?? {});
  saveRecord = (record: HistoryRecord) => {
    this.clips.set(record.id, { ...this.clips.get(record.id)!, record });
    return Promise.resolve();
  };
  saveClip = (record: HistoryRecord, video: Blob, images: ClipImageFiles = {}) => {
    this.clips.set(record.id, { record, video, images });
    return Promise.resolve();
  };
}

const localClip = (id: string, seed: number): HistoryRecord => ({
  id,
  createdAt: Date.parse('2026-12-06T09:00:00Z') + seed,
  modelId: MODEL,
  modelUrl: '/models/phosphene-tiny/model.json',
  params: { ...PARAMS, seed },
  device: 'wasm',
  encoder: 'webcodecs',
  numFrames: 5,
  elapsedMs: 900,
  bytes: 0,
});

/** An edited, LoRA-made clip as the app records it (steps with their defaults, as the app's parse leaves them). */
const editedClip = (id: string, seed: number): HistoryRecord => ({
  ...localClip(id, seed),
  sourceId: 'clip-it-was-edited-from',
  edits: [
    { op: 'trim', start: 0, end: 3 },
    { op: 'speed', factor: 2 },
    { op: 'text', text: 'hello', position: 'bottom', color: '#ffcc00', start_time: 0 },
  ],
  lora: { name: 'ink.safetensors', scale: 0.6 },
});

/** A real 4×4 PNG of one grey. */
const png = (shade: number) =>
  new Blob([new Uint8Array(encodePng(new Uint8Array(64).fill(shade), 4, 4))], { type: 'image/png' });

describe('syncGallery between two devices', () => {
  let server: ServerProcess;
  let client: PhosorClient;
  let mp4: Blob;
  const a = new MemoryGallery();
  const b = new MemoryGallery();
  const since = { a: '', b: '' };
  beforeAll(async () => {
    server = await startServerProcess({ WORKERS: '1' });
    client = new PhosorClient({ baseUrl: server.url, apiKey: server.key });
    // A real MP4 for the "local" clips, and a server job in the history.
    const out = await runServerJob(client, { model: MODEL, params: PARAMS }, { jobId: crypto.randomUUID() });
    mp4 = out.mp4;
  }, 180_000); // a server process (and a first job) on a loaded 2-core machine
  afterAll(() => server?.stop());

  const bytesOf = async (blob: Blob | undefined) => Buffer.from(await blob!.arrayBuffer()).toString('base64');

  it('sends a device’s clips up and brings every other clip down, MP4s byte for byte', async () => {
    const id = crypto.randomUUID();
    await a.saveClip(localClip(id, 11), mp4);
    const up = await syncGallery(client, a);
    since.a = up.since;
    expect(up).toMatchObject({ uploaded: 1, downloaded: 1, failed: [] }); // its clip up, the server job down
    expect(a.clips.get(id)!.record.syncedAt).toEqual(expect.any(Number));

    const down = await syncGallery(client, b);
    since.b = down.since;
    expect(down).toMatchObject({ uploaded: 0, downloaded: 2, failed: [] });
    const theirs = b.clips.get(id)!;
    expect(theirs.record).toMatchObject({ device: 'elsewhere', params: { seed: 11 }, numFrames: 5 });
    expect(await bytesOf(theirs.video)).toBe(await bytesOf(mp4));
    // A clip with no edits, LoRA or images comes down as before, with none.
    expect(theirs.images).toEqual({});
    expect(theirs.record).not.toHaveProperty('edits');
    expect([...b.clips.values()].filter((c) => c.record.device === 'server')).toHaveLength(1);
  });

  it('changes nothing on a second sync, with or without `since`', async () => {
    expect(await syncGallery(client, a, since.a)).toMatchObject({ uploaded: 0, downloaded: 0 });
    expect(await syncGallery(client, b)).toMatchObject({ uploaded: 0, downloaded: 0 });
    expect(a.clips.size).toBe(2);
    expect(b.clips.size).toBe(2);
  });

  it('keeps a clip made while the server is unreachable and sends it when it is back', async () => {
    const id = crypto.randomUUID();
    await b.saveClip(localClip(id, 12), mp4);
    const offline = new PhosorClient({ baseUrl: 'http://127.0.0.1:9', apiKey: server.key });
    await expect(syncGallery(offline, b, since.b)).rejects.toMatchObject({ code: 'unreachable' });
    expect(b.clips.get(id)!.record.syncedAt).toBeUndefined();
    expect(await syncGallery(client, b, since.b)).toMatchObject({ uploaded: 1, downloaded: 0 });
    const back = await syncGallery(client, a, since.a);
    expect(back).toMatchObject({ uploaded: 0, downloaded: 1 });
    expect(a.clips.get(id)!.record.params.seed).toBe(12);
  });

  it('deletes a clip on every device, made offline or not, and never brings it back', async () => {
    const [local, serverJob] = [...a.clips.values()].map((c) => c.record);
    const viaB = (r: HistoryRecord) => [...b.clips.values()].find((c) => c.record.requestId === r.requestId);
    expect(viaB(local!) && viaB(serverJob!)).toBeTruthy();
    // Deleted on a while the server is unreachable: the note waits, then goes with the next sync.
    a.deleteHere(local!.id);
    a.deleteHere(serverJob!.id);
    const offline = new PhosorClient({ baseUrl: 'http://127.0.0.1:9', apiKey: server.key });
    await expect(syncGallery(offline, a, since.a)).rejects.toMatchObject({ code: 'unreachable' });
    expect(a.deletions.size).toBe(2);
    expect(await syncGallery(client, a, since.a)).toMatchObject({ deleted: 2, downloaded: 0, failed: [] });
    expect(a.deletions.size).toBe(0);
    // b drops its copies; a device syncing from scratch never downloads them; status and result say 404.
    expect(await syncGallery(client, b, since.b)).toMatchObject({ deleted: 2, downloaded: 0 });
    expect(viaB(local!) ?? viaB(serverJob!)).toBeUndefined();
    const fresh = new MemoryGallery();
    await syncGallery(client, fresh);
    expect([...fresh.clips.values()].map((c) => c.record.requestId)).not.toContain(serverJob!.requestId);
    await expect(client.status(serverJob!.requestId!)).rejects.toMatchObject({ status: 404 });
    // Phosor's own history (no `since`) no longer lists them; deleting again is not an error.
    const listed = (await client.history()).data.map((e) => e.request_id);
    expect(listed).not.toContain(serverJob!.requestId);
    await client.deleteHistory(serverJob!.requestId!);
  });

  it('brings an edited clip’s whole recipe and its conditioning images to the other device', async () => {
    const id = crypto.randomUUID();
    const images = { image: png(40), last_image: png(220) };
    await a.saveClip(editedClip(id, 13), mp4, images);
    expect(await syncGallery(client, a, since.a)).toMatchObject({ uploaded: 1, failed: [] });
    expect(await syncGallery(client, b, since.b)).toMatchObject({ downloaded: 1, failed: [] });
    const theirs = b.clips.get(id)!;
    const { sourceId, edits, lora } = editedClip(id, 13);
    expect(theirs.record).toMatchObject({ device: 'elsewhere', params: { seed: 13 }, sourceId, edits, lora });
    expect(Object.keys(theirs.images).sort()).toEqual(['image', 'last_image']);
    expect(await bytesOf(theirs.images.image)).toBe(await bytesOf(images.image));
    expect(await bytesOf(theirs.images.last_image)).toBe(await bytesOf(images.last_image));
  });

  it('reports a clip whose recipe this app cannot read, takes the rest, and tries it again next time', async () => {
    const edited = [...a.clips.values()].find((c) => c.record.edits)!.record;
    // The real server's answer with that clip's recipe as a newer app might write it.
    const newer = new PhosorClient({
      baseUrl: server.url,
      apiKey: server.key,
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (!String(input).includes('/inference/history?')) return response;
        const page = (await response.json()) as { data: { client_id: string | null; recipe: unknown }[] };
        for (const entry of page.data) if (entry.client_id === edited.id) entry.recipe = { edits: [{ op: 'warp' }] };
        return Response.json(page);
      },
    });
    const fresh = new MemoryGallery();
    const report = await syncGallery(newer, fresh);
    expect(report.failed).toEqual([
      { id: edited.requestId, reason: expect.stringMatching(/recipe cannot be read here \(edits\.0.*update the app/) },
    ]);
    expect(report.since).toBe('');
    expect(fresh.clips.size).toBe(a.clips.size - 1);
    expect(fresh.clips.has(edited.id)).toBe(false);
    expect(await syncGallery(client, fresh)).toMatchObject({ downloaded: 1, failed: [] });
    expect(fresh.clips.get(edited.id)!.record.edits).toHaveLength(3);
  });
});
