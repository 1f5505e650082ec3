/** `GET /openapi.json` and Swagger UI at `/docs/`, its assets served from node_modules (no CDN). */
import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import { openApiDocument } from './document';

/** Where the document is served; the docs page fetches it from there. */
export const OPENAPI_PATH = '/openapi.json';

/** The docs router: the generated document and the Swagger UI page that reads it. */
export function docsRouter(version?: string): Router {
  const document = openApiDocument(version);
  const router = Router();
  router.get(OPENAPI_PATH, (_req, res) => {
    res.json(document);
  });
  const options = {
    swaggerUrl: OPENAPI_PATH,
    customSiteTitle: 'Phosphene API',
    // No validator badge: it loads an image from validator.swagger.io, which COEP would block anyway.
    swaggerOptions: { validatorUrl: null, persistAuthorization: true },
  };
  // swagger-ui-dist's own demo page would load the Petstore spec from the internet.
  router.get(['/docs/index.html', '/docs/swagger-initializer.js'], (_req, _res, next) => next('router'));
  // `/docs` redirects to `/docs/` (serve-static), so the page's relative asset URLs stay under /docs/.
  router.use('/docs', swaggerUi.serveFiles(undefined, options));
  router.get('/docs/', swaggerUi.setup(undefined, options));
  return router;
}
