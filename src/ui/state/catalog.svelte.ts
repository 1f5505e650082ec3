/** The models on offer (the server's, and those imported into this browser) and the one chosen. */
import { loadCatalog, type ModelChoice } from '../models/catalog';
import { loadImported } from '../models/installed';

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

  /**
   * Loads the catalog; `prefer` selects a model by id or package folder when present. Imported models are
   * listed even when the server's list cannot be read (offline with no cached copy).
   */
  async load(prefer?: string | null): Promise<void> {
    this.loading = true;
    this.error = '';
    const [server, imported] = await Promise.allSettled([loadCatalog(location.href), loadImported()]);
    const local = imported.status === 'fulfilled' ? imported.value : { models: [], problems: [] };
    const models = [...(server.status === 'fulfilled' ? server.value.models : []), ...local.models];
    this.models = models;
    this.problems = [...(server.status === 'fulfilled' ? server.value.problems : []), ...local.problems];
    const preferred = prefer
      ? models.find((m) => m.modelId === prefer || m.manifestUrl.includes(`/models/${prefer}/`))
      : undefined;
    this.selectedId = (preferred ?? models.find((m) => m.modelId === this.selectedId) ?? models[0])?.modelId ?? '';
    if (server.status === 'rejected') {
      const why = server.reason instanceof Error ? server.reason.message : String(server.reason);
      this.error = `Could not load the model list: ${why}`;
    } else if (models.length === 0)
      this.error = 'The server offers no text-to-video model. Add a package to MODEL_DIRS.';
    this.loading = false;
  }
}
