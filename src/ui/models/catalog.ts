/**
 * The models the server offers, read from Phosor's `GET /api/v1/models` and each model's manifest
 * (`metadata.manifest_url`). Both are untrusted input, so both are parsed with zod.
 */
import { packageVersion } from '../../pipeline/package-version';
import { z } from '../../shared/zod-mini';

const count = () => z.number().check(z.int(), z.positive());

const resolutionSchema = z.object({
  width: count(),
  height: count(),
  max_frames: count(),
  label: z.string(),
});

const modelsResponseSchema = z.object({
  models: z.array(
    z.object({
      model_id: z.string(),
      description: z.string(),
      model_type: z.string(),
      model_mode: z.string(),
      alias_of: z.optional(z.string()),
      metadata: z.looseObject({
        manifest_url: z.optional(z.string()),
        name: z.optional(z.string()),
        weights: z.optional(z.string()),
      }),
    }),
  ),
});

/** The part of `model.json` the playground's controls need; the worker validates the whole manifest. */
const manifestSubsetSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  weights: z.enum(['trained', 'random']),
  modes: z._default(z.array(z.string()), ['text-to-video']),
  latent: z.looseObject({ temporal_compression: count() }),
  scheduler: z.looseObject({ default_steps: count(), default_guidance_scale: z.number() }),
  resolutions: z.array(resolutionSchema).check(z.minLength(1)),
  frames: z.object({ min: count(), default: count() }),
  default_fps: count(),
  /** Only the presence of `graphs.denoiser.lora` matters here: the model takes LoRA pairs. */
  graphs: z.optional(z.looseObject({ denoiser: z.looseObject({ lora: z.optional(z.unknown()) }) })),
  /** The files' sizes and the default variant's files: what "download for offline use" fetches. */
  files: z._default(
    z.array(
      z.looseObject({ path: z.string(), size: z.number().check(z.nonnegative()), sha256: z.optional(z.string()) }),
    ),
    [],
  ),
  tokenizer: z.optional(z.looseObject({ file: z.string() })),
  variants: z._default(z.record(z.string(), z.looseObject({ files: z.record(z.string(), z.string()) })), {}),
  default_variant: z._default(z.string(), ''),
});

/** The bytes a job of the default variant downloads: its graphs and the tokenizer (model.json aside). */
function downloadBytes(m: z.infer<typeof manifestSubsetSchema>): number {
  const paths = new Set([...Object.values(m.variants[m.default_variant]?.files ?? {}), m.tokenizer?.file]);
  return m.files.filter((f) => paths.has(f.path)).reduce((sum, f) => sum + f.size, 0);
}

/** A resolution a model supports. */
export type ModelResolution = z.infer<typeof resolutionSchema>;

/** One text-to-video model as the playground's controls see it. */
export interface ModelChoice {
  modelId: string;
  /** The manifest's own id (what a clip's recipe names): the catalog id differs for imported packages. */
  manifestId: string;
  /** Each variant's version, as a recipe's `model_version` names it (`packageVersion`). */
  versions: Record<string, string>;
  name: string;
  description: string;
  weights: 'trained' | 'random';
  /** Absolute URL of the package's `model.json`. */
  manifestUrl: string;
  /** The manifest's modes, e.g. `text-to-video`, `image-to-video`, `first-last-frame`. */
  modes: string[];
  resolutions: ModelResolution[];
  temporalCompression: number;
  minFrames: number;
  defaultFrames: number;
  defaultSteps: number;
  defaultGuidance: number;
  defaultFps: number;
  /** The denoiser declares adapted layers, so a LoRA pair can be applied. */
  takesLora: boolean;
  /** What running it downloads (the default variant's files), in bytes. */
  downloadBytes: number;
  /** Added in the settings from a URL or a folder: kept in this browser only, so it never runs on the server. */
  imported: boolean;
}

async function fetchJson(url: string, signal?: AbortSignal): Promise<unknown> {
  const response = await fetch(url, signal ? { signal } : {});
  if (!response.ok) throw new Error(`${url} answered ${response.status} ${response.statusText}.`);
  return response.json();
}

/** Reads one manifest into a `ModelChoice`, or throws a message naming the model. */
export async function readModelChoice(
  modelId: string,
  manifestUrl: string,
  signal?: AbortSignal,
): Promise<ModelChoice> {
  return modelChoice(modelId, manifestUrl, await fetchJson(manifestUrl, signal), false);
}

/** A manifest's JSON as a `ModelChoice`, or throws a message naming the model. */
export function modelChoice(modelId: string, manifestUrl: string, json: unknown, imported: boolean): ModelChoice {
  const parsed = manifestSubsetSchema.safeParse(json);
  if (!parsed.success)
    throw new Error(`The manifest of ${modelId} (${manifestUrl}) is not a valid Phosphene manifest.`);
  const m = parsed.data;
  return {
    modelId,
    manifestId: m.id,
    versions: Object.fromEntries(
      Object.keys(m.variants).flatMap((v) => {
        const version = packageVersion(m, v);
        return version === undefined ? [] : [[v, version]];
      }),
    ),
    name: m.name,
    description: m.description,
    weights: m.weights,
    manifestUrl,
    modes: m.modes,
    resolutions: m.resolutions,
    temporalCompression: m.latent.temporal_compression,
    minFrames: m.frames.min,
    defaultFrames: m.frames.default,
    defaultSteps: m.scheduler.default_steps,
    defaultGuidance: m.scheduler.default_guidance_scale,
    defaultFps: m.default_fps,
    takesLora: m.graphs?.denoiser.lora !== undefined,
    downloadBytes: downloadBytes(m),
    imported,
  };
}

/** Lists the server's text-to-video models with the settings their manifests allow. */
export async function loadCatalog(
  base: string,
  signal?: AbortSignal,
): Promise<{ models: ModelChoice[]; problems: string[] }> {
  const parsed = modelsResponseSchema.safeParse(await fetchJson(new URL('/api/v1/models', base).href, signal));
  if (!parsed.success)
    throw new Error('The server sent a model list this playground cannot read (GET /api/v1/models).');
  // Aliases (Phosor's ids for one of ours) would list the same package twice.
  const entries = parsed.data.models.filter(
    (m) => m.model_mode === 'text-to-video' && m.metadata.manifest_url && !m.alias_of,
  );
  const settled = await Promise.allSettled(
    entries.map((m) => readModelChoice(m.model_id, new URL(m.metadata.manifest_url!, base).href, signal)),
  );
  const models: ModelChoice[] = [];
  const problems: string[] = [];
  for (const result of settled) {
    if (result.status === 'fulfilled') models.push(result.value);
    else problems.push(result.reason instanceof Error ? result.reason.message : String(result.reason));
  }
  return { models, problems };
}
