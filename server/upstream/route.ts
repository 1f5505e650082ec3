/**
 * Which providers may run a job, in the order they are tried: this server's workers (`local`) and the
 * configured upstreams, shaped by the submit's `provider` preferences as the gateway API defines them
 * (`order`, `only`, `ignore`, `allow_fallbacks`). The job keeps this route; a provider that fails or is
 * at capacity hands the job to the next one.
 */
import { HttpError } from '../http-error';
import { LOCAL_PROVIDER, type Upstream } from './config';

/** A submit's routing preferences. */
export interface RoutePrefs {
  /** Tried first, in this order; the other candidates follow in their usual order. */
  order?: string[] | null;
  /** Only these may run it. */
  only?: string[] | null;
  /** These may not. */
  ignore?: string[] | null;
  /** False: only the first provider is tried (default true). */
  allow_fallbacks?: boolean | null;
}

/** What routing needs to know about the job. */
export interface RouteInput {
  /** The submit's `model`, absent for the default. */
  requestedModel?: string;
  /** The id is one of this server's packages (not an alias of one). */
  ownModel: boolean;
  /** The id is a Phosor id this server runs on its default package (MODEL_ALIASES on). */
  aliased: boolean;
  /** A LoRA lives on this server only, so such jobs cannot be forwarded. */
  withLora: boolean;
  upstreams: readonly Upstream[];
  prefs?: RoutePrefs | null;
}

const bad = (field: string, message: string) =>
  new HttpError(400, 'validation_error', `Invalid request: provider.${field}: ${message}.`);

/**
 * The providers to try, in order; empty when nothing here or upstream knows the model (the caller then
 * answers as for an unknown model). 400 when the preferences name an unknown provider or leave none.
 */
export function planRoute(input: RouteInput): string[] {
  const { requestedModel, upstreams, prefs } = input;
  const known = [LOCAL_PROVIDER, ...upstreams.map((u) => u.name)];
  for (const field of ['order', 'only', 'ignore'] as const)
    for (const name of prefs?.[field] ?? [])
      if (!known.includes(name)) throw bad(field, `unknown provider "${name}"; this server knows ${known.join(', ')}`);

  const listed = upstreams.filter((u) => requestedModel !== undefined && u.models?.includes(requestedModel));
  const open = upstreams.filter((u) => u.models === undefined);
  const names = (list: Upstream[]) => list.map((u) => u.name);
  let candidates: string[];
  if (requestedModel === undefined || input.ownModel) candidates = [LOCAL_PROVIDER, ...names(listed), ...names(open)];
  // An id an upstream really serves goes there before our alias of it (the operator mapped it).
  else if (input.aliased) candidates = [...names(listed), LOCAL_PROVIDER, ...names(open)];
  else candidates = names(listed);
  if (candidates.length === 0) return [];
  const why: string[] = [];
  if (input.withLora && candidates.some((c) => c !== LOCAL_PROVIDER)) {
    const upstreamOnly = !candidates.includes(LOCAL_PROVIDER);
    candidates = candidates.filter((c) => c === LOCAL_PROVIDER);
    if (upstreamOnly)
      throw new HttpError(
        400,
        'no_provider',
        `No provider can run this job: ${requestedModel} is served only by upstreams, and a job with a lora_id runs only here, where the LoRA is stored; remove lora_id or choose a model of GET /api/v1/models.`,
      );
    why.push('a job with a lora_id runs only here, where the LoRA is stored');
  }

  let route = candidates;
  if (prefs?.only?.length) route = route.filter((c) => prefs.only!.includes(c));
  if (prefs?.ignore?.length) route = route.filter((c) => !prefs.ignore!.includes(c));
  if (prefs?.order?.length) {
    const rank = (c: string) => {
      const i = prefs.order!.indexOf(c);
      return i < 0 ? prefs.order!.length : i;
    };
    route = route
      .map((c, i) => ({ c, i }))
      .sort((a, b) => rank(a.c) - rank(b.c) || a.i - b.i)
      .map((x) => x.c);
  }
  if (prefs?.allow_fallbacks === false) route = route.slice(0, 1);
  if (route.length === 0) {
    const model = requestedModel ?? 'the default model';
    const reasons = why.length ? ` (${why.join('; ')})` : '';
    throw new HttpError(
      400,
      'no_provider',
      `No provider can run this job: ${model} can run on ${candidates.join(', ')}${reasons}, and the provider preferences leave none of them; loosen provider.only or provider.ignore.`,
    );
  }
  return route;
}
