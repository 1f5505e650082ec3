/**
 * Which listed model a dropped clip's recipe names. A recipe names the package's manifest id; the catalog
 * lists server packages under that id and imported ones under `local:<folder>`, so both ids are tried; of two
 * with the recipe's id, the one with the clip's version wins, else the catalog's own id. A recipe whose version
 * (`model_version`: the graphs, tokenizer and sampler settings, `packageVersion`) differs from the listed
 * package's is still loaded, with a note: Generate then makes a clip of the same recipe, not the same clip.
 */
import type { Recipe } from '../../pipeline/mp4-recipe';
import type { ModelChoice } from './catalog';

export interface RecipeModel {
  model: ModelChoice;
  /** Set when the listed package is not the version that made the clip. */
  versionNote?: string;
}

/** The model of `recipe` among `models`, or `null` when none is listed. */
export function recipeModel(models: readonly ModelChoice[], recipe: Recipe): RecipeModel | null {
  const named = [
    ...models.filter((m) => m.modelId === recipe.model),
    ...models.filter((m) => m.modelId !== recipe.model && m.manifestId === recipe.model),
  ];
  const made = recipe.model_version;
  const versionOf = (m: ModelChoice) => (recipe.variant === undefined ? undefined : m.versions[recipe.variant]);
  // Of two packages with the recipe's id (one served, one imported), the one with the clip's version.
  const same = named.find((m) => made !== undefined && versionOf(m) === made);
  const model = same ?? named[0];
  if (!model) return null;
  const listed = versionOf(model);
  if (same || made === undefined || listed === undefined) return { model };
  return {
    model,
    versionNote:
      `${model.name} here is another version (${listed}: other weights or sampler settings) than the one that ` +
      `made it (${made}), so Generate makes a new clip of the same recipe, not the same clip.`,
  };
}
