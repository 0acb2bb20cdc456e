import { overviewAssets, overviewRoutes } from './overview';
import type { ConsoleAsset, ConsoleRoute } from './router';
import { consoleAssets } from './router';
import { signInRoutes } from './sign-in';

/**
 * Every console page, in the order of the header's navigation (`/console` opens the first
 * one the user's role may see). A new page module adds its routes here (router.ts says how).
 */
export function consoleRoutes(options: { readonly keySignIn: boolean }): ConsoleRoute[] {
  return [...signInRoutes(options), ...overviewRoutes];
}

/** Static files under /console/assets/ (the stylesheet; a page may add its own). */
export function allConsoleAssets(): ConsoleAsset[] {
  return consoleAssets(overviewAssets());
}
