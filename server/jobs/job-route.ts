/**
 * Where a submit may run: this server's workers and the configured upstreams, in order
 * (`server/upstream/route.ts`), and how its parameters are resolved when only upstreams can run its model.
 */
import type { SubmitRequest } from '../../src/shared/phosor-requests';
import type { ModelRegistry } from '../models/registry';
import { modelIdFor } from '../routes/models';
import { LOCAL_PROVIDER, type Upstream } from '../upstream/config';
import { planRoute } from '../upstream/route';
import { chooseModel, PHOSOR_MODEL_FAMILY } from './model-choice';

/** A submit's route. */
export interface JobRoute {
  /** The providers to try; absent when no upstream is configured (this server only, as always). */
  route?: string[];
  /**
   * Only upstreams can run the model: the job's parameters are resolved and priced against our default
   * package (Phosor's presets), and the upstream is asked for the id the client sent.
   */
  upstreamOnly: boolean;
}

/** Plans the route of `body`; 400 when its provider preferences name unknown providers or leave none. */
export function routeJob(
  registry: ModelRegistry,
  body: SubmitRequest,
  upstreams: readonly Upstream[],
  aliases: boolean,
): JobRoute {
  if (upstreams.length === 0 && !body.provider) return { upstreamOnly: false };
  // No model: our default, which an upstream may list as well (it is then asked for its own default).
  const requested = body.model ?? chooseModel(registry, undefined, Boolean(body.image_url)).modelId;
  const ownModel = registry.models.some((m) => m.manifest.modes.some((mode) => modelIdFor(m, mode) === requested));
  const aliased = !ownModel && aliases && requested.startsWith(`${PHOSOR_MODEL_FAMILY}/`);
  const route = planRoute({
    requestedModel: requested,
    ownModel,
    aliased,
    withLora: Boolean(body.lora_id),
    upstreams,
    prefs: body.provider,
  });
  // Empty: nobody knows the model; resolving it here answers the usual "unknown model" 400.
  if (route.length === 0) return { upstreamOnly: false };
  return { route, upstreamOnly: !route.includes(LOCAL_PROVIDER) && !ownModel };
}
