/** Serves model package files at `/models/<slug>/<path>`: only `model.json` and files its manifest lists. */
import { Router } from 'express';
import path from 'node:path';
import type { ModelRegistry } from '../models/registry';
import { HttpError } from '../http-error';

/** The model-files router. Files are immutable per digest, so clients may cache them. */
export function modelFilesRouter(registry: ModelRegistry): Router {
  const router = Router();
  router.get('/:slug/*file', (req, res, next) => {
    const model = registry.bySlug(req.params.slug);
    const file = ([] as string[]).concat(req.params.file).join('/');
    const listed = file === 'model.json' || model?.manifest.files.some((f) => f.path === file);
    if (!model || !listed) {
      next(
        new HttpError(
          404,
          'not_found',
          `No model file ${req.params.slug}/${file}. GET /api/v1/models lists the packages.`,
        ),
      );
      return;
    }
    // model.json changes when a package is rebuilt; the listed files are checked against its digests.
    res.setHeader('Cache-Control', file === 'model.json' ? 'no-cache' : 'public, max-age=3600');
    res.sendFile(path.resolve(model.dir, file), { dotfiles: 'deny' }, (error) => {
      if (error) next(new HttpError(404, 'not_found', `Model file ${file} is listed but missing on disk.`));
    });
  });
  return router;
}
