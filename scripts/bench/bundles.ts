import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { type EntryPoint, ESBUILD_ALIAS, ESBUILD_EXTERNAL, entryPoints } from '../../infra/entry-points';

/**
 * Each Lambda entry point bundled as CDK's NodejsFunction bundles it in infra/gateway.ts
 * (ESM, platform node, minified, keepNames, main fields module/main, the createRequire
 * banner, the AWS SDK bundled: `bundleAwsSDK: true`, nothing external), with source maps
 * off; then imported in a fresh Node process, against a bare handler that imports only
 * the AWS SDK clients the function calls (from its `needs` in infra/entry-points.ts, what
 * the construct grants), bundled the same way; the two imported in turn, run after run.
 */
const REPO_ROOT = join(import.meta.dirname, '..', '..');

/** The Lambda runtime infra/gateway.ts deploys (Runtime.NODEJS_24_X) is what CDK derives esbuild's target from. */
export const ESBUILD_TARGET = 'node24';

const ESM_REQUIRE_BANNER =
  "import { createRequire as __cgCreateRequire } from 'node:module'; const require = __cgCreateRequire(import.meta.url);";

/** The class a bare handler imports from each SDK package a function uses. */
const SDK_CLASSES: Record<string, string> = {
  '@aws-sdk/client-dynamodb': 'DynamoDBClient',
  '@aws-sdk/lib-dynamodb': 'DynamoDBDocumentClient',
  '@aws-sdk/client-sesv2': 'SESv2Client',
  '@aws-sdk/client-pinpoint-sms-voice-v2': 'PinpointSMSVoiceV2Client',
  '@aws-sdk/client-eventbridge': 'EventBridgeClient',
  '@aws-sdk/client-secrets-manager': 'SecretsManagerClient',
  '@aws-sdk/client-s3': 'S3Client',
  '@aws-sdk/client-sqs': 'SQSClient',
  '@aws-sdk/client-kms': 'KMSClient',
};

/**
 * The SDK packages a function calls, from what it needs: the table (the document client over
 * DynamoDB; the stream consumer's tombstones too), the keys (Secrets Manager), SES, End User
 * Messaging, EventBridge, SQS, KMS, the pending objections (S3). shared/http/wiring.ts is what
 * each entry point wires from the same `needs`.
 */
export function sdkPackagesCalled(needs: EntryPoint['needs']): string[] {
  const packages: string[] = [];
  if (needs.table || needs.expiryTombstones)
    packages.push('@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb');
  if (needs.keys) packages.push('@aws-sdk/client-secrets-manager');
  if (needs.sendEmail) packages.push('@aws-sdk/client-sesv2');
  if (needs.sendSms) packages.push('@aws-sdk/client-pinpoint-sms-voice-v2');
  if (needs.publishEvents) packages.push('@aws-sdk/client-eventbridge');
  if (needs.enqueueObjections) packages.push('@aws-sdk/client-sqs');
  if (needs.credentialSecrets) packages.push('@aws-sdk/client-kms');
  if (needs.pendingObjections) packages.push('@aws-sdk/client-s3');
  if (needs.consoleUsers) packages.push('@aws-sdk/client-cognito-identity-provider');
  if (needs.forwardFeedback) packages.push('@aws-sdk/client-eventbridge', '@aws-sdk/client-sns');
  return [...new Set(packages)].sort();
}

/** Every function's bundle stays under this; test/infra/bundle-size.test.ts checks it. */
export const MAX_BUNDLE_BYTES = 1.5 * 1024 * 1024;

export interface BundleResult {
  readonly id: string;
  readonly bytes: number;
  readonly loadMs: number;
  /** Spread of the import times: (max − min) / median. */
  readonly loadSpread: number;
  /** The SDK packages found in the bundle. */
  readonly sdkPackages: readonly string[];
  /** The SDK packages the function calls: what its bare handler imports. */
  readonly calledPackages: readonly string[];
  readonly bareBytes: number;
  readonly bareLoadMs: number;
  /** The largest contributors to the bundle, by package (or folder of this repository). */
  readonly largest: ReadonlyArray<{ readonly name: string; readonly bytes: number }>;
}

const common = {
  bundle: true,
  alias: ESBUILD_ALIAS,
  external: [...ESBUILD_EXTERNAL],
  platform: 'node' as const,
  format: 'esm' as const,
  target: ESBUILD_TARGET,
  mainFields: ['module', 'main'],
  banner: { js: ESM_REQUIRE_BANNER },
  minify: true,
  keepNames: true,
  sourcemap: false,
  metafile: true,
  logLevel: 'silent' as const,
  absWorkingDir: REPO_ROOT,
};

/** The SDK packages with code in the output (metafile.inputs also lists the modules tree-shaken away). */
function sdkPackagesOf(metafile: Metafile): string[] {
  const found = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      const m = /node_modules\/(@aws-sdk\/(?:client-[^/]+|lib-dynamodb))\//.exec(path);
      if (m?.[1] && input.bytesInOutput > 0) found.add(m[1]);
    }
  }
  return [...found].sort();
}

function contributors(metafile: Metafile): Array<{ name: string; bytes: number }> {
  const by = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      const name =
        /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? path.split('/').slice(0, 2).join('/');
      by.set(name, (by.get(name) ?? 0) + input.bytesInOutput);
    }
  }
  return [...by]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 4);
}

/** One entry point bundled as the construct bundles it; `write: false` keeps it in memory. */
export async function bundleEntryPoint(entry: Pick<EntryPoint, 'entry'>, outfile: string, write = true) {
  const result = await build({ ...common, entryPoints: [join(REPO_ROOT, entry.entry)], outfile, write });
  const metafile = result.metafile!;
  const bytes = Object.values(metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
  // The code itself when kept in memory (the size test reads which assets it names).
  const code = result.outputFiles?.[0]?.text;
  return { metafile, bytes, sdkPackages: sdkPackagesOf(metafile), code };
}

/**
 * What infra/gateway.ts's afterBundling hook does: each of the entry point's assets (a file or
 * folder of node_modules) copied beside its bundle, under its own name.
 */
export function copyAssets(assets: readonly string[], outfile: string): void {
  for (const asset of assets)
    cpSync(join(REPO_ROOT, 'node_modules', asset), join(dirname(outfile), basename(asset)), {
      recursive: true,
    });
}

function bareSource(packages: readonly string[]): string {
  const lines = packages.map((p, i) =>
    SDK_CLASSES[p] ? `import { ${SDK_CLASSES[p]} as C${i} } from '${p}';` : `import * as C${i} from '${p}';`,
  );
  const refs = packages.map((_, i) => `C${i}`).join(', ');
  return `${lines.join('\n')}\nexport const clients = [${refs}];\nexport const handler = async () => ({ statusCode: 200, body: String(clients.length) });\n`;
}

/** Import time of a module in a fresh Node process (the process start itself excluded). */
function loadMs(loader: string, file: string): number {
  const out = execFileSync(process.execPath, [loader, pathToFileURL(file).href], {
    encoding: 'utf8',
    // What a Lambda environment has; no endpoint, no secret: nothing is called at import.
    env: { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-west-1', NODE_ENV: 'production' },
  });
  return Number(out.trim());
}

const medianOf = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchBundles(options: { dir: string; runs: number }): Promise<BundleResult[]> {
  mkdirSync(options.dir, { recursive: true });
  const loader = join(options.dir, 'load.mjs');
  writeFileSync(
    loader,
    'const t = performance.now();\nawait import(process.argv[2]);\nprocess.stdout.write(String(performance.now() - t));\n',
  );
  const bare = new Map<string, { file: string; bytes: number }>();
  const built = [];
  for (const entry of entryPoints) {
    const outfile = join(options.dir, entry.id, 'index.mjs');
    const bundle = await bundleEntryPoint(entry, outfile);
    // Imported as deployed: what the function reads beside its bundle is there (and read if at load).
    copyAssets(entry.assets ?? [], outfile);
    const calledPackages = sdkPackagesCalled(entry.needs);
    const key = calledPackages.join(',');
    if (!bare.has(key)) {
      const bareFile = join(options.dir, `bare-${bare.size}`, 'index.mjs');
      await build({
        ...common,
        stdin: { contents: bareSource(calledPackages), resolveDir: REPO_ROOT, loader: 'js' },
        outfile: bareFile,
      });
      bare.set(key, { file: bareFile, bytes: statSync(bareFile).size });
    }
    built.push({ entry, outfile, bundle, calledPackages, bare: bare.get(key)! });
  }
  // Side by side: each run imports every bundle and its bare handler in turn, so that a change
  // of the machine's load weighs on both alike.
  const times = built.map(() => ({ fn: [] as number[], bare: [] as number[] }));
  for (let run = 0; run < options.runs; run++) {
    built.forEach((b, i) => {
      times[i]!.fn.push(loadMs(loader, b.outfile));
      times[i]!.bare.push(loadMs(loader, b.bare.file));
    });
  }
  return built.map((b, i) => {
    const fn = times[i]!.fn;
    const median = medianOf(fn);
    return {
      id: b.entry.id,
      bytes: b.bundle.bytes,
      loadMs: median,
      loadSpread: (Math.max(...fn) - Math.min(...fn)) / median,
      sdkPackages: b.bundle.sdkPackages,
      calledPackages: b.calledPackages,
      bareBytes: b.bare.bytes,
      bareLoadMs: medianOf(times[i]!.bare),
      largest: contributors(b.bundle.metafile),
    };
  });
}
