/** The models on offer and the one chosen. */
import { loadCatalog, type ModelChoice } from '../models/catalog';

/** Reactive model catalog. */
export class CatalogState {
  models = $state.raw<ModelChoice[]>([]);
  selectedId = $state('');
  loading = $state(true);
  error = $state('');
  problems = $state.raw<string[]>([]);

  /** The chosen model, if any. */
  get selected(): ModelChoice | undefined {
    return this.models.find((m) => m.modelId === this.selectedId);
  }

  /** Loads the catalog; `prefer` selects a model by id or package folder when present. */
  async load(prefer?: string | null): Promise<void> {
    this.loading = true;
    this.error = '';
    try {
      const { models, problems } = await loadCatalog(location.href);
      this.models = models;
      this.problems = problems;
      const preferred = prefer
        ? models.find((m) => m.modelId === prefer || m.manifestUrl.includes(`/models/${prefer}/`))
        : undefined;
      this.selectedId = (preferred ?? models[0])?.modelId ?? '';
      if (models.length === 0) this.error = 'The server offers no text-to-video model. Add a package to MODEL_DIRS.';
    } catch (error) {
      this.error = `Could not load the model list: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      this.loading = false;
    }
  }
}
