import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { entryPoints } from '../../infra/entry-points';

/**
 * Each Lambda entry point bundled as CDK's NodejsFunction bundles it in infra/gateway.ts
 * (ESM, platform node, minified, keepNames, main fields module/main, the createRequire
 * banner, the AWS SDK bundled: `bundleAwsSDK: true`, nothing external), with source maps
 * off; then imported in a fresh Node process, against a bare handler that imports only
 * the AWS SDK clients the function's bundle contains, bundled the same way.
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
};

export interface BundleResult {
  readonly id: string;
  readonly bytes: number;
  readonly loadMs: number;
  readonly sdkPackages: readonly string[];
  readonly bareBytes: number;
  readonly bareLoadMs: number;
}

const common = {
  bundle: true,
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

function sdkPackagesOf(metafile: Metafile): string[] {
  const found = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const m = /node_modules\/(@aws-sdk\/(?:client-[^/]+|lib-dynamodb))\//.exec(input);
    if (m?.[1]) found.add(m[1]);
  }
  return [...found].sort();
}

function bareSource(packages: readonly string[]): string {
  const lines = packages.map((p, i) =>
    SDK_CLASSES[p] ? `import { ${SDK_CLASSES[p]} as C${i} } from '${p}';` : `import * as C${i} from '${p}';`,
  );
  const refs = packages.map((_, i) => `C${i}`).join(', ');
  return `${lines.join('\n')}\nexport const clients = [${refs}];\nexport const handler = async () => ({ statusCode: 200, body: String(clients.length) });\n`;
}

/** Median import time of a module, each in a fresh Node process (the process start itself excluded). */
function medianLoadMs(loader: string, file: string, runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, [loader, pathToFileURL(file).href], {
      encoding: 'utf8',
      // What a Lambda environment has; no endpoint, no secret: nothing is called at import.
      env: { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-west-1', NODE_ENV: 'production' },
    });
    times.push(Number(out.trim()));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export async function benchBundles(options: { dir: string; runs: number }): Promise<BundleResult[]> {
  mkdirSync(options.dir, { recursive: true });
  const loader = join(options.dir, 'load.mjs');
  writeFileSync(
    loader,
    'const t = performance.now();\nawait import(process.argv[2]);\nprocess.stdout.write(String(performance.now() - t));\n',
  );
  const bare = new Map<string, { bytes: number; loadMs: number }>();
  const results: BundleResult[] = [];
  for (const entry of entryPoints) {
    const outfile = join(options.dir, entry.id, 'index.mjs');
    const { metafile } = await build({ ...common, entryPoints: [join(REPO_ROOT, entry.entry)], outfile });
    const sdkPackages = sdkPackagesOf(metafile!);
    const key = sdkPackages.join(',');
    if (!bare.has(key)) {
      const bareFile = join(options.dir, `bare-${bare.size}`, 'index.mjs');
      await build({
        ...common,
        stdin: { contents: bareSource(sdkPackages), resolveDir: REPO_ROOT, loader: 'js' },
        outfile: bareFile,
      });
      bare.set(key, { bytes: statSync(bareFile).size, loadMs: medianLoadMs(loader, bareFile, options.runs) });
    }
    const b = bare.get(key)!;
    results.push({
      id: entry.id,
      bytes: statSync(outfile).size,
      loadMs: medianLoadMs(loader, outfile, options.runs),
      sdkPackages,
      bareBytes: b.bytes,
      bareLoadMs: b.loadMs,
    });
  }
  return results;
}
