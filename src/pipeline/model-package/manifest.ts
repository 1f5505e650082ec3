/**
 * The model-package manifest (`model.json`): everything the pipeline needs to know about a model,
 * so that a converted open-weight model plugs in without code changes. Manifests are untrusted
 * input: parse them with `parseManifest`, then trust the types.
 */
import { ModelPackageError } from '../../shared/errors';
import { z } from '../../shared/zod-mini';

const relativePath = z
  .string()
  .check(
    z.minLength(1),
    z.regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._/-]+$/, 'must be a relative path inside the package'),
  );

const tensorDType = z.enum(['float32', 'float16', 'int64', 'int32']);

/** A graph input or output: the tensor's name inside the ONNX file and its element type. */
const tensorSpec = z.strictObject({ name: z.string().check(z.minLength(1)), dtype: tensorDType });

const graphSpec = <I extends string, O extends string>(inputs: readonly I[], outputs: readonly O[]) =>
  z.strictObject({
    inputs: z.strictObject(Object.fromEntries(inputs.map((k) => [k, tensorSpec])) as Record<I, typeof tensorSpec>),
    outputs: z.strictObject(Object.fromEntries(outputs.map((k) => [k, tensorSpec])) as Record<O, typeof tensorSpec>),
  });

/** One LoRA-adapted linear layer of the denoiser and the graph inputs that take its factors. */
const loraLayer = z.strictObject({
  /** Stable layer name, the key prefix in LoRA files, e.g. `blocks.0.attn_spatial.to_q`. */
  name: z.string().check(z.minLength(1)),
  in_features: z.number().check(z.int(), z.positive()),
  out_features: z.number().check(z.int(), z.positive()),
  /** float32 input `[in_features, rank_dim]`. */
  down_input: z.string().check(z.minLength(1)),
  /** float32 input `[rank_dim, out_features]`, scale and alpha/rank folded in by the pipeline. */
  up_input: z.string().check(z.minLength(1)),
});

/** The denoiser's run-time LoRA contract: output += (x·down)·up for each layer. */
const loraSpec = z.strictObject({
  /** The symbolic dimension all factor inputs share. */
  rank_dim: z.string().check(z.minLength(1)),
  /** Steps with σ ≥ this use the `high_noise` file, the rest the `low_noise` one. */
  boundary_sigma: z.number().check(z.gte(0), z.lte(1)),
  layers: z.array(loraLayer).check(z.minLength(1)),
});

const graphFiles = z.strictObject({
  text_encoder: relativePath,
  denoiser: relativePath,
  vae_decoder_trunk: z.optional(relativePath),
  vae_decoder: relativePath,
  vae_encoder: z.optional(relativePath),
});

const resolution = z.strictObject({
  width: z.number().check(z.int(), z.positive()),
  height: z.number().check(z.int(), z.positive()),
  max_frames: z.number().check(z.int(), z.positive()),
  label: z.string().check(z.minLength(1)),
  /** Measured peak memory (RSS, MB) of one job at this size and max_frames, for planning (server and browser). */
  peak_memory_mb: z.optional(z.number().check(z.positive())),
});

/** The schema of `model.json`, format `phosphene-model/1`. */
export const manifestSchema = z
  .strictObject({
    format: z.literal('phosphene-model/1'),
    /** Phosor-style model id, e.g. `phosphene/random-v0/text-to-video`. */
    id: z.string().check(z.regex(/^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)+$/, 'must look like owner/name/mode')),
    name: z.string().check(z.minLength(1)),
    description: z.string().check(z.minLength(1)),
    /** `random` for untrained skeleton packages; such a package must say so. */
    weights: z.enum(['trained', 'random']),
    /** For trained packages: which run made the weights. */
    training: z.optional(
      z.strictObject({
        commit: z.string(),
        steps: z.number().check(z.int(), z.nonnegative()),
        samples: z.number().check(z.int(), z.nonnegative()),
        cpu_hours: z.number().check(z.nonnegative()),
        params: z.record(z.string(), z.number().check(z.int(), z.nonnegative())),
        /** Optimiser steps of the autoencoder, when it was trained apart from the denoiser. */
        vae_steps: z.optional(z.number().check(z.int(), z.nonnegative())),
      }),
    ),
    license: z.string().check(z.minLength(1)),
    modes: z.array(z.enum(['text-to-video', 'image-to-video', 'first-last-frame'])).check(z.minLength(1)),
    tokenizer: z.strictObject({
      file: relativePath,
      type: z.literal('word-level'),
      max_length: z.number().check(z.int(), z.gte(1), z.lte(512)),
    }),
    graphs: z.strictObject({
      text_encoder: z.extend(graphSpec(['input_ids'], ['hidden_states']), {
        hidden_size: z.number().check(z.int(), z.positive()),
      }),
      denoiser: z.extend(graphSpec(['latents', 'timestep', 'encoder_hidden_states'], ['velocity']), {
        /** Patch size over (frames, height, width) latent cells. */
        patch_size: z.tuple([
          z.number().check(z.int(), z.positive()),
          z.number().check(z.int(), z.positive()),
          z.number().check(z.int(), z.positive()),
        ]),
        /** Absent: the model takes no LoRA. */
        lora: z.optional(loraSpec),
      }),
      vae_decoder: z.extend(graphSpec(['latents'], ['frames']), {
        /**
         * Present when the decoder renders at any output size: float32 inputs whose lengths (not values)
         * set the output height and width. Absent, it decodes to spatial_compression × the latent grid.
         */
        size_inputs: z.optional(
          z.strictObject({
            height: z.string().check(z.minLength(1)),
            width: z.string().check(z.minLength(1)),
            /**
             * `source_coordinates`: each value is where that output row (column) samples the decoder's
             * base-size features (bilinear, align_corners = false), so the pipeline can render any band
             * of rows. Absent: only the lengths are read, and a frame renders whole.
             */
            values: z.optional(z.literal('source_coordinates')),
          }),
        ),
        /**
         * The bytes of the largest tensor one chunk holds per output pixel (e.g. a per-pixel head's
         * hidden layer). With `source_coordinates`, the pipeline renders bands of rows small enough that
         * no tensor exceeds the backend's limit (a WebGPU binding: 128 MiB by default).
         */
        bytes_per_output_pixel: z.optional(z.number().check(z.int(), z.positive())),
        /**
         * Present when latent frames decode independently (a tubelet VAE): the pipeline decodes this
         * many at a time, each to temporal_compression frames (latent frame 0 keeps one: `first_frame`), so
         * memory does not grow with the clip. Absent, the whole clip decodes at once to 1 + tc(F − 1).
         */
        chunk_latent_frames: z.optional(z.number().check(z.int(), z.positive())),
        /**
         * Latent frames of context on each side of a chunk (needs `chunk_latent_frames`): the graph's
         * latents input holds the chunk with this many neighbours before and after it (the clip's first
         * and last latent frames repeated past its ends), and its output covers the chunk alone. A decoder
         * that sees its neighbours can move a latent frame's frames between them instead of drawing
         * their average.
         */
        context_latent_frames: z.optional(z.number().check(z.int(), z.gte(0), z.lte(4))),
        /**
         * Which of latent frame 0's temporal_compression decoded frames is the clip's frame 0 (needs
         * `chunk_latent_frames`): `last` (the default) or `first`. A decoder that blends each frame toward
         * the nearer neighbouring latent frame draws its first one from latent frame 0 alone.
         */
        first_frame: z.optional(z.enum(['first', 'last'])),
      }),
      /**
       * A decoder in two stages (needs the decoder's `chunk_latent_frames`): this graph turns each latent
       * frame, with `context_latent_frames` neighbours each side (the clip's ends repeated), into features;
       * the `vae_decoder` graph's `latents` input then takes those features (the chunk's and its context's)
       * instead of latents. The pipeline runs the trunk once per latent frame and keeps the features the
       * chunks around it read, so nothing is computed twice, however many bands a large frame renders in.
       */
      vae_decoder_trunk: z.optional(
        z.extend(graphSpec(['latents'], ['features']), {
          context_latent_frames: z.number().check(z.int(), z.gte(0), z.lte(4)),
        }),
      ),
      vae_encoder: z.optional(graphSpec(['frames'], ['latents'])),
    }),
    variants: z
      .record(
        z.string().check(z.regex(/^[a-z0-9_-]+$/)),
        z.strictObject({
          files: graphFiles,
          /** WebGPU features the variant needs (e.g. `shader-f16`). */
          requires: z._default(z.array(z.string()), []),
        }),
      )
      .check(z.refine((v) => Object.keys(v).length > 0, 'at least one variant is required')),
    default_variant: z.string().check(z.minLength(1)),
    latent: z
      .strictObject({
        channels: z.number().check(z.int(), z.positive()),
        spatial_compression: z.number().check(z.int(), z.positive()),
        temporal_compression: z.number().check(z.int(), z.positive()),
        /** As in diffusers: VAE latents are multiplied by this after encoding and divided by it before decoding, so the denoiser sees unit-variance latents. */
        scaling_factor: z.number().check(z.positive()),
        /**
         * Present when the latent grid does not depend on the output size: the VAE works at a base size
         * whose short side is this many pixels (the long side keeps the aspect ratio, rounded to a
         * multiple of spatial_compression), so every preset of one aspect has the same latent grid.
         */
        base_short_side: z.optional(z.number().check(z.int(), z.positive())),
        /**
         * A linear map from one latent cell (`channels` values, denoiser scale) to its RGB in [-1, 1], fitted
         * by `models/tools/fit-preview-rgb.ts`: what the live preview after each step shows without running the
         * VAE. Absent, the package gives no previews. (Finite numbers: zod's numbers refuse ±Infinity.)
         */
        preview_rgb: z.optional(
          z.strictObject({
            weight: z.array(z.array(z.number())).check(z.length(3)),
            bias: z.array(z.number()).check(z.length(3)),
          }),
        ),
      })
      .check(
        z.refine((l) => !l.preview_rgb || l.preview_rgb.weight.every((row) => row.length === l.channels), {
          message: 'preview_rgb.weight must be 3 rows of `channels` numbers',
        }),
      ),
    scheduler: z.strictObject({
      type: z.literal('flow-match-euler'),
      shift: z.number().check(z.positive()),
      /** Where the steps fall (see `TimestepSpacing`); `linspace` when absent. */
      timestep_spacing: z.optional(z.enum(['linspace', 'trailing'])),
      num_train_timesteps: z.number().check(z.int(), z.positive()),
      default_steps: z.number().check(z.int(), z.positive()),
      default_guidance_scale: z.number().check(z.gte(1)),
      /**
       * Guidance applies only at σ at or below this; steps above it take the prompt's velocity alone. At σ = 1
       * the latents are pure noise, and guidance there overshoots what a few-step sampler can correct (colour,
       * count); a limited interval is Kynkäänniemi et al. 2024 (arXiv 2404.07724). Every step when absent.
       */
      guidance_max_sigma: z.optional(z.number().check(z.positive(), z.lte(1))),
    }),
    resolutions: z.array(resolution).check(z.minLength(1)),
    frames: z.strictObject({
      min: z.number().check(z.int(), z.positive()),
      default: z.number().check(z.int(), z.positive()),
    }),
    default_fps: z.number().check(z.int(), z.gte(1), z.lte(60)),
    /** Every file of the package with its size and sha256 (lowercase hex). */
    files: z
      .array(
        z.strictObject({
          path: relativePath,
          size: z.number().check(z.int(), z.nonnegative()),
          sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits')),
        }),
      )
      .check(z.minLength(1)),
  })
  .check(
    z.superRefine((m, ctx) => {
      if (!(m.default_variant in m.variants)) {
        ctx.addIssue({
          code: 'custom',
          path: ['default_variant'],
          message: `names no variant (have ${Object.keys(m.variants).join(', ')})`,
        });
      }
      const listed = new Set(m.files.map((f) => f.path));
      const needed = [m.tokenizer.file, ...Object.values(m.variants).flatMap((v) => Object.values(v.files))];
      for (const path of needed) {
        if (path && !listed.has(path))
          ctx.addIssue({ code: 'custom', path: ['files'], message: `must list ${path} with its size and sha256` });
      }
      const decoder = m.graphs.vae_decoder;
      if (decoder.context_latent_frames && decoder.chunk_latent_frames === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['graphs', 'vae_decoder', 'context_latent_frames'],
          message: 'needs chunk_latent_frames (context frames belong to a chunked decoder)',
        });
      }
      if (decoder.first_frame !== undefined && decoder.chunk_latent_frames === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['graphs', 'vae_decoder', 'first_frame'],
          message: 'needs chunk_latent_frames (a whole-clip decoder returns 1 + tc(F − 1) frames itself)',
        });
      }
      if (m.graphs.vae_decoder_trunk !== undefined && decoder.chunk_latent_frames === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['graphs', 'vae_decoder_trunk'],
          message: "needs the vae_decoder's chunk_latent_frames (the trunk's features are decoded chunk by chunk)",
        });
      }
      for (const [name, variant] of Object.entries(m.variants)) {
        if ((m.graphs.vae_decoder_trunk === undefined) !== (variant.files.vae_decoder_trunk === undefined)) {
          ctx.addIssue({
            code: 'custom',
            path: ['variants', name, 'files', 'vae_decoder_trunk'],
            message: m.graphs.vae_decoder_trunk
              ? 'is missing: graphs.vae_decoder_trunk declares a two-stage decoder'
              : 'names a file, but graphs.vae_decoder_trunk is not declared',
          });
        }
      }
      if (m.graphs.vae_encoder === undefined && m.modes.some((mode) => mode !== 'text-to-video')) {
        ctx.addIssue({
          code: 'custom',
          path: ['graphs', 'vae_encoder'],
          message: 'is required for image-conditioned modes',
        });
      }
    }),
  );

/** A validated model manifest. */
export type ModelManifest = z.infer<typeof manifestSchema>;

/** Parses untrusted JSON into a manifest, or throws a `ModelPackageError` naming every bad field. */
export function parseManifest(json: unknown, where = 'model.json'): ModelManifest {
  const parsed = manifestSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`);
  throw new ModelPackageError(`${where} is not a valid Phosphene model manifest: ${problems.join('; ')}.`);
}

/** The denoiser's LoRA contract from a manifest. */
export type LoraManifest = z.infer<typeof loraSpec>;
