import { ENV, optionalEnv } from '../shared/config';
import { consoleErrorPage, consoleRouter } from '../shared/http/console/router';
import { allConsoleAssets, consoleRoutes } from '../shared/http/console/routes';
import { publicHandler } from '../shared/http/public-handler';
import { wire } from '../shared/http/runtime';
import { secretsManager, table } from '../shared/http/wiring';
import { cognito } from '../shared/http/wiring-cognito';

// The SDK clients this function's `needs` grant (infra/entry-points.ts), and no others.
wire(table, secretsManager, cognito);

const handle = consoleRouter({
  routes: consoleRoutes({ keySignIn: optionalEnv(ENV.consoleKeySignIn) !== 'off' }),
  assets: allConsoleAssets(),
});

/**
 * GET /console, GET|POST /console/{proxy+}: the compliance console (docs/console.md), pages
 * served by shared/http/console/router.ts behind a session signed in with an admin or
 * compliance key, or as a user of the console's user pool (Cognito).
 */
export const handler = publicHandler(
  (event, dependencies) => handle(event, dependencies()),
  (status, _code, message) => consoleErrorPage(status, message),
);
