/**
 * The first visit's model list is fetched before the service worker controls the page, so the
 * runtime cache never saw it and the playground would open offline with no models. When a service
 * worker takes control, fetch the list and manifests again through it. The worker's model files go
 * through it anyway: the generate worker starts with the first job, after the page is controlled.
 */
import { loadCatalog } from './models/catalog';

/** Re-fetches the model catalog whenever a new service worker takes control of this page. */
export function warmOfflineCacheOnControl(): void {
  navigator.serviceWorker?.addEventListener('controllerchange', () => {
    void loadCatalog(location.href).catch(() => {});
  });
}
