/**
 * zod/mini, for the schemas the web worker bundles: its functional API tree-shakes, where classic zod's
 * methods keep all of classic in the bundle. Import `z` from here, not from 'zod/mini': classic zod
 * registers its English messages ("Too small: expected number to be >=1") when it builds its first schema,
 * zod/mini registers none, and without a locale every default message reads "Invalid input". Registering
 * the same locale here keeps the messages these schemas give wherever they run (the worker never loads
 * classic; the page and the server also do, and then the first to build a schema sets it).
 */
import * as z from 'zod/mini';
import { en } from 'zod/locales';

if (!z.config().localeError) z.config(en());

export { z };
