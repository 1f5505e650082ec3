import { describe, expect, it } from 'vitest';
import { parseManifest, type ModelManifest } from '../../../src/pipeline/model-package/manifest';
import { ModelPackageError } from '../../../src/shared/errors';
import { manifestFor } from '../../helpers/model-package';

const files = {
  'tokenizer.json': new Uint8Array([1]),
  'te.onnx': new Uint8Array([2]),
  'dn.onnx': new Uint8Array([3]),
  'vd.onnx': new Uint8Array([4]),
};
const valid = () => manifestFor('phosphene/test/text-to-video', files) as ModelManifest;

const rejection = (json: unknown): string => {
  try {
    parseManifest(json);
  } catch (error) {
    expect(error).toBeInstanceOf(ModelPackageError);
    return (error as Error).message;
  }
  throw new Error('the manifest was accepted');
};

describe('parseManifest', () => {
  it('accepts a valid manifest', () => {
    expect(parseManifest(valid()).id).toBe('phosphene/test/text-to-video');
  });

  it('rejects a missing field, naming it', () => {
    const m = valid();
    delete (m as Partial<ModelManifest>).latent;
    expect(rejection(m)).toMatch(/model\.json is not a valid Phosphene model manifest: latent /);
  });

  it('rejects a sha256 that is not 64 lowercase hex digits', () => {
    const m = valid();
    m.files[0]!.sha256 = m.files[0]!.sha256.toUpperCase();
    expect(rejection(m)).toMatch(/files\.0\.sha256 must be 64 lowercase hex digits/);
  });

  it.each(['../x.onnx', '/etc/passwd', 'a/../../x'])('rejects the path %s that leaves the package', (bad) => {
    const m = valid();
    m.variants.fp32!.files.denoiser = bad;
    expect(rejection(m)).toMatch(/variants\.fp32\.files\.denoiser must be a relative path inside the package/);
  });

  it('rejects a default_variant that names no variant', () => {
    const m = valid();
    m.default_variant = 'q4';
    expect(rejection(m)).toMatch(/default_variant names no variant \(have fp32\)/);
  });

  it('rejects a graph file the files list does not name', () => {
    const m = valid();
    m.files = m.files.filter((f) => f.path !== 'dn.onnx');
    expect(rejection(m)).toMatch(/files must list dn\.onnx with its size and sha256/);
  });

  it('rejects decoder context frames without chunked decoding', () => {
    const m = valid();
    m.graphs.vae_decoder.context_latent_frames = 1;
    expect(rejection(m)).toMatch(/graphs\.vae_decoder\.context_latent_frames needs chunk_latent_frames/);
    m.graphs.vae_decoder.chunk_latent_frames = 1;
    expect(parseManifest(m).graphs.vae_decoder.context_latent_frames).toBe(1);
  });

  it('rejects first_frame without chunked decoding, and any value but first or last', () => {
    const m = valid();
    m.graphs.vae_decoder.first_frame = 'first';
    expect(rejection(m)).toMatch(/graphs\.vae_decoder\.first_frame needs chunk_latent_frames/);
    m.graphs.vae_decoder.chunk_latent_frames = 1;
    expect(parseManifest(m).graphs.vae_decoder.first_frame).toBe('first');
    expect(
      rejection({ ...m, graphs: { ...m.graphs, vae_decoder: { ...m.graphs.vae_decoder, first_frame: 'middle' } } }),
    ).toMatch(/first_frame/);
  });

  it('takes a two-stage decoder only when it is chunked and every variant has the trunk file', () => {
    const m = valid();
    const spec = { name: 'x', dtype: 'float32' } as const;
    m.graphs.vae_decoder_trunk = { inputs: { latents: spec }, outputs: { features: spec }, context_latent_frames: 1 };
    expect(rejection(m)).toMatch(/graphs\.vae_decoder_trunk needs the vae_decoder's chunk_latent_frames/);
    expect(rejection(m)).toMatch(/variants\.fp32\.files\.vae_decoder_trunk is missing/);
    m.graphs.vae_decoder.chunk_latent_frames = 1;
    m.variants.fp32!.files.vae_decoder_trunk = 'vd.onnx';
    expect(parseManifest(m).graphs.vae_decoder_trunk?.context_latent_frames).toBe(1);
    delete m.graphs.vae_decoder_trunk;
    expect(rejection(m)).toMatch(
      /files\.vae_decoder_trunk names a file, but graphs\.vae_decoder_trunk is not declared/,
    );
  });

  it('rejects unknown fields and formats', () => {
    expect(rejection({ ...valid(), extra: 1 })).toMatch(/extra|Unrecognized/i);
    expect(rejection({ ...valid(), format: 'phosphene-model/2' })).toMatch(/format/);
  });

  it('accepts both built packages', async () => {
    const { readFile } = await import('node:fs/promises');
    for (const dir of ['models/phosphene-random', 'tests/fixtures/models/phosphene-tiny']) {
      expect(parseManifest(JSON.parse(await readFile(`${dir}/model.json`, 'utf8'))).format).toBe('phosphene-model/1');
    }
  });
});
