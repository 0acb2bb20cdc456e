import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { type BuildOptions, buildSync } from 'esbuild';
import { ESBUILD_ALIAS, ESBUILD_EXTERNAL } from './entry-points';

/** Repository root: `functions/…` entries, `package-lock.json` and the esbuild project root. */
export const REPO_ROOT = join(fileURLToPath(import.meta.url), '..', '..');

/**
 * Node.js 24 is the newest Lambda runtime this aws-cdk-lib knows, which is what cdk-nag's
 * AwsSolutions-L1 asks for; it also has the longest support window. The SMTP relay's image
 * runs the same major version (infra/smtp-relay-image/Dockerfile).
 */
export const RUNTIME = Runtime.NODEJS_24_X;

/**
 * The handlers are ES modules. Some bundled CommonJS dependencies still call `require` for
 * Node built-ins; esbuild's ESM output has no `require`, so the bundle gets one.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __cgCreateRequire } from 'node:module'; const require = __cgCreateRequire(import.meta.url);";

/**
 * How every bundle of the gateway is built: each function's (NodejsFunction's `bundling`) and
 * the SMTP relay's (the same options through esbuild's API, `bundleLikeFunctions`).
 */
export const BUNDLING = {
  format: OutputFormat.ESM,
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  // The same rewrites as the bench's and the bundle-size test's builds (libmime once).
  // (CDK writes `--alias:libmime=./…`; esbuild runs in the project root, REPO_ROOT.)
  esbuildArgs: { '--alias': Object.entries(ESBUILD_ALIAS).map(([from, to]) => `${from}=${to}`) },
  // Read at run time beside the bundle (the charset tables: ICONV_TABLES_ASSET, copied beside it).
  externalModules: [...ESBUILD_EXTERNAL],
  minify: true,
  keepNames: true,
  sourceMap: true,
  sourceMapMode: SourceMapMode.DEFAULT,
  // Line mapping needs no embedded sources; a smaller map loads faster at cold start.
  sourcesContent: false,
  // The AWS SDK v3 is bundled at the versions package-lock.json pins and the tests ran
  // against, rather than whatever SDK the runtime ships that day; esbuild keeps only the
  // clients the handlers import.
  bundleAwsSDK: true,
} satisfies BundlingOptions;

/** esbuild's target for RUNTIME, as NodejsFunction derives it (`nodejs24.x` → `node24`). */
export const ESBUILD_TARGET = `node${/^nodejs(\d+)/.exec(RUNTIME.name)?.[1] ?? ''}`;

/**
 * The esbuild API options matching what NodejsFunction passes to esbuild's command line for
 * BUNDLING (`--bundle --platform=node --target --format --minify --sourcemap
 * --sources-content=false --keep-names --main-fields --banner:js --alias --external`; the AWS
 * SDK is bundled, only ESBUILD_EXTERNAL is left out), writing `<outdir>/index.mjs` and its map.
 */
export function esbuildOptionsLikeFunctions(entry: string, outdir: string): BuildOptions {
  return {
    absWorkingDir: REPO_ROOT,
    entryPoints: [entry],
    outfile: join(outdir, 'index.mjs'),
    bundle: true,
    platform: 'node',
    target: ESBUILD_TARGET,
    format: BUNDLING.format,
    minify: BUNDLING.minify,
    sourcemap: BUNDLING.sourceMap,
    sourcesContent: BUNDLING.sourcesContent,
    keepNames: BUNDLING.keepNames,
    mainFields: BUNDLING.mainFields,
    banner: { js: BUNDLING.banner },
    alias: { ...ESBUILD_ALIAS },
    external: [...BUNDLING.externalModules],
    logLevel: 'warning',
  };
}

/** Bundles `entry` (relative to REPO_ROOT) into `<outdir>/index.mjs` as the functions are bundled. */
export function bundleLikeFunctions(entry: string, outdir: string): void {
  buildSync(esbuildOptionsLikeFunctions(entry, outdir));
}
