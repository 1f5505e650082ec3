/** Which model package and mode a submit's `model` names: our ids, and Phosor's as aliases of the default. */
import { HttpError } from '../http-error';
import type { ModelRegistry, RegisteredModel } from '../models/registry';
import { modelIdFor } from '../routes/models';

/**
 * Phosor's model family. Clients written for Phosor send its ids (the default is
 * `wan/2.2-14b/text-to-video`); they run on our default package in the same mode, so they work unchanged.
 */
export const PHOSOR_MODEL_FAMILY = 'wan/2.2-14b';

/**
 * The modes the server's Node pipeline can run. First-last-frame needs a second image, which Phosor's
 * submit has no field for.
 */
export const RUNNABLE_MODES: readonly string[] = ['text-to-video', 'image-to-video'];

/** Phosor's ids this server answers to, each with the id of the model that runs it. */
export function phosorAliases(registry: ModelRegistry): { alias: string; modelId: string; mode: string }[] {
  const fallback = registry.models.find((m) => m.manifest.modes.includes('text-to-video'));
  if (!fallback) return [];
  return fallback.manifest.modes
    .filter((mode) => RUNNABLE_MODES.includes(mode))
    .map((mode) => ({ alias: `${PHOSOR_MODEL_FAMILY}/${mode}`, modelId: modelIdFor(fallback, mode), mode }));
}

/** A resolved model: the package, the mode, and the id the job is recorded under. */
export interface ModelChoice {
  model: RegisteredModel;
  mode: string;
  modelId: string;
}

const badModel = (message: string) => new HttpError(400, 'validation_error', `Invalid request: model: ${message}.`);

/** The default package: the first registered one with a text-to-video mode. */
export function defaultModel(registry: ModelRegistry): RegisteredModel {
  const model = registry.models.find((m) => m.manifest.modes.includes('text-to-video'));
  if (!model) throw new HttpError(503, 'no_models', 'This server has no text-to-video model package; set MODEL_DIRS.');
  return model;
}

/**
 * Resolves `model`; 400 naming the accepted ids otherwise. With `aliases` off (MODEL_ALIASES=off) Phosor's
 * ids are unknown here rather than quietly run on another model. Absent, it is the default package's
 * text-to-video, or its image-to-video when the submit has an `image_url` (Phosor documents no
 * default for image jobs, and a client that sends an image wants it animated).
 */
export function chooseModel(
  registry: ModelRegistry,
  requested: string | null | undefined,
  withImage = false,
  aliases = true,
): ModelChoice {
  const fallback = defaultModel(registry);
  if (!requested) {
    const mode = withImage && fallback.manifest.modes.includes('image-to-video') ? 'image-to-video' : 'text-to-video';
    return { model: fallback, mode, modelId: modelIdFor(fallback, mode) };
  }
  const known = registry.models.flatMap((model) => model.manifest.modes.map((mode) => ({ model, mode })));
  let choice = known.find((k) => modelIdFor(k.model, k.mode) === requested);
  if (!choice && aliases && requested.startsWith(`${PHOSOR_MODEL_FAMILY}/`)) {
    const mode = requested.slice(PHOSOR_MODEL_FAMILY.length + 1);
    choice = known.find((k) => k.model === fallback && k.mode === mode);
  }
  const runnable = known.filter((k) => RUNNABLE_MODES.includes(k.mode)).map((k) => modelIdFor(k.model, k.mode));
  if (!choice) throw badModel(`unknown model "${requested}"; use one of ${runnable.join(', ')} (GET /api/v1/models)`);
  if (!RUNNABLE_MODES.includes(choice.mode))
    throw badModel(
      `"${requested}" is ${choice.mode}, which this server cannot run yet; use one of ${runnable.join(', ')}`,
    );
  return { ...choice, modelId: modelIdFor(choice.model, choice.mode) };
}
