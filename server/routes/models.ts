/** `GET /api/v1/models` in Phosor's response shape, one entry per model and mode. */
import { phosorAliases } from '../jobs/model-choice';
import { Router } from 'express';
import type { z } from 'zod';
import type { phosorModelSchema } from '../../src/shared/models-schemas';
import { fittingResolutions } from '../../src/pipeline/memory-estimate';
import type { ModelRegistry, RegisteredModel } from '../models/registry';

/** Phosor's model entry. */
export type PhosorModel = z.infer<typeof phosorModelSchema>;

/** The Phosor model id of one mode of a package: the manifest id with its last segment set to the mode. */
export function modelIdFor(model: RegisteredModel, mode: string): string {
  const family = model.manifest.id.split('/').slice(0, -1).join('/');
  return `${family}/${mode}`;
}

function toPhosor(model: RegisteredModel, memoryBudgetMb?: number): PhosorModel[] {
  const m = model.manifest;
  // Only what a worker can run: presets that fit its memory, each with the frames that fit.
  const resolutions = memoryBudgetMb === undefined ? m.resolutions : fittingResolutions(m, memoryBudgetMb);
  if (resolutions.length === 0) return [];
  return m.modes.map((mode) => ({
    model_id: modelIdFor(model, mode),
    description: m.description,
    model_type: 'video' as const,
    model_mode: mode,
    metadata: {
      name: m.name,
      weights: m.weights,
      manifest_url: `/models/${encodeURIComponent(model.slug)}/model.json`,
      resolutions,
      frames: m.frames,
      default_fps: m.default_fps,
      default_steps: m.scheduler.default_steps,
      default_guidance_scale: m.scheduler.default_guidance_scale,
      variants: Object.keys(m.variants),
    },
  }));
}

/**
 * The models router; no authentication, as in Phosor. With `memoryBudgetMb` (WORKER_MEMORY_MB) it lists
 * only the presets and frame limits that fit a worker; a package where nothing fits is left out.
 */
export function modelsRouter(registry: ModelRegistry, memoryBudgetMb?: number, aliases = true): Router {
  const router = Router();
  router.get('/models', (_req, res) => {
    const models = registry.models.flatMap((model) => toPhosor(model, memoryBudgetMb));
    // Phosor's ids, listed as what they are: other names for one of ours.
    const aliased = aliases
      ? phosorAliases(registry).flatMap(({ alias, modelId }) => {
          const target = models.find((m) => m.model_id === modelId);
          return target ? [{ ...target, model_id: alias, alias_of: modelId }] : [];
        })
      : [];
    res.json({ models: [...models, ...aliased] });
  });
  return router;
}
