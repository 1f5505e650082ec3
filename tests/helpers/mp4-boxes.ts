/** A tiny ISO-BMFF (MP4) box reader for tests: enough to find the video track's codec, size and sample count. */

/** One box: its four-character type and payload. */
export interface Box {
  type: string;
  /** Payload, after the 8- or 16-byte header. */
  body: Uint8Array;
}

/** The boxes directly inside `bytes`. */
export function readBoxes(bytes: Uint8Array): Box[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const boxes: Box[] = [];
  for (let pos = 0; pos + 8 <= bytes.byteLength;) {
    let size = view.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    let header = 8;
    if (size === 1) {
      size = Number(view.getBigUint64(pos + 8));
      header = 16;
    } else if (size === 0) size = bytes.byteLength - pos;
    if (size < header || pos + size > bytes.byteLength) throw new Error(`box ${type} at ${pos} overruns the file`);
    boxes.push({ type, body: bytes.subarray(pos + header, pos + size) });
    pos += size;
  }
  return boxes;
}

/** The first box along a path of types, e.g. `['moov', 'trak', 'mdia']`. */
export function findBox(bytes: Uint8Array, path: string[]): Box | undefined {
  let box: Box | undefined = { type: '', body: bytes };
  for (const type of path) {
    box = readBoxes(box.body).find((b) => b.type === type);
    if (!box) return undefined;
  }
  return box;
}

/** Codec, coded size and sample count of the first track, read from stsd and stsz. */
export function describeVideoTrack(mp4: Uint8Array): {
  brand: string;
  codec: string;
  width: number;
  height: number;
  samples: number;
} {
  const ftyp = findBox(mp4, ['ftyp']);
  const stbl = findBox(mp4, ['moov', 'trak', 'mdia', 'minf', 'stbl']);
  if (!ftyp || !stbl) throw new Error('not an MP4 with a track: ftyp or moov/trak/mdia/minf/stbl missing');
  const stsd = findBox(stbl.body, ['stsd'])!.body;
  // stsd: version/flags (4), entry count (4), then sample entries as boxes.
  const entry = readBoxes(stsd.subarray(8))[0]!;
  const e = new DataView(entry.body.buffer, entry.body.byteOffset, entry.body.byteLength);
  // VisualSampleEntry: 6 reserved + 2 data_reference_index + 16 pre-defined/reserved, then width, height.
  const width = e.getUint16(24);
  const height = e.getUint16(26);
  const stsz = findBox(stbl.body, ['stsz'])!.body;
  const samples = new DataView(stsz.buffer, stsz.byteOffset, stsz.byteLength).getUint32(8);
  return { brand: String.fromCharCode(...ftyp.body.subarray(0, 4)), codec: entry.type, width, height, samples };
}
