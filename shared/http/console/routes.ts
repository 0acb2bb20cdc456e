import { evidenceRoutes } from './evidence';
import { importsRoutes } from './imports-page';
import { justifyRoutes } from './justify-page';
import { overviewAssets, overviewRoutes } from './overview';
import { recipientRoutes } from './recipient-page';
import type { ConsoleAsset, ConsoleRoute } from './router';
import { consoleAssets } from './router';
import { settingsRoutes } from './settings';
import { signInRoutes } from './sign-in';

/**
 * Every console page, in the order of the header's navigation (`/console` opens the first
 * one the user's role may see). A new page module adds its routes here (router.ts says how).
 */
export function consoleRoutes(options: { readonly keySignIn: boolean }): ConsoleRoute[] {
  return [
    ...justifyRoutes,
    ...recipientRoutes,
    ...overviewRoutes,
    ...signInRoutes(options),
    ...evidenceRoutes,
    ...importsRoutes,
    ...settingsRoutes,
  ];
}

/** Static files under /console/assets/ (the stylesheet; a page may add its own). */
export function allConsoleAssets(): ConsoleAsset[] {
  return consoleAssets(overviewAssets());
}
