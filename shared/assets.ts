import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A file of node_modules that a function reads the first time it needs it rather than at
 * import (esbuild would otherwise inline it, and every cold start would compile it, used or
 * not). Deployed, the construct copies it beside the bundle (`assets` in
 * infra/entry-points.ts; test/infra/bundle-size.test.ts checks each bundle that names one
 * has it); from the sources (the local runner, the tests) it is read where npm installed it.
 * A JavaScript or JSON file, read with `require`, once per process.
 */
export function requireAsset<T>(packagePath: string, fromSources: string = packagePath): T {
  return createRequire(import.meta.url)(resolveAsset(packagePath, fromSources)) as T;
}

/**
 * Where the asset is, without reading it: for a module whose callers swallow errors (libmime
 * falls back to UTF-8 when a decoder throws), so that a missing asset fails at import rather
 * than decode a message as something else. `fromSources`: the same module as the package
 * exports it, when its exports hide the file.
 */
export function resolveAsset(packagePath: string, fromSources: string = packagePath): string {
  // In a bundle, import.meta.url is the bundle's own file: the asset is its neighbour.
  const beside = fileURLToPath(new URL(`./${basename(packagePath)}`, import.meta.url));
  return existsSync(beside) ? beside : createRequire(import.meta.url).resolve(fromSources);
}
