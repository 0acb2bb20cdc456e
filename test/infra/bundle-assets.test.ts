import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type EntryPoint, entryPoints } from '../../infra/entry-points';
import { bundleEntryPoint } from '../../scripts/bench/bundles';
import { PHONE_METADATA_ASSET } from '../../shared/domain/phone-metadata';

/**
 * What a function reads on first use (its `assets`) is outside its bundle and read beside it,
 * as the construct lays them out (infra/gateway.ts copies each next to index.mjs). Built as the
 * construct builds a function (scripts/bench/bundles.ts), in a folder with no node_modules
 * above it, as in Lambda.
 */
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function bundled(entry: string, assets: readonly string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'consent-gate-assets-'));
  dirs.push(dir);
  const outfile = join(dir, 'index.mjs');
  await bundleEntryPoint(
    { entry, id: 'AssetsTest', description: '', routes: [], needs: {} } as EntryPoint,
    outfile,
  );
  const require = createRequire(import.meta.url);
  for (const asset of assets) copyFileSync(require.resolve(asset), join(dir, basename(asset)));
  return import(pathToFileURL(outfile).href);
}

describe('assets read on first use', () => {
  it('the phone metadata: read beside the bundle, not inlined; missing, an error, never "not a phone number"', async () => {
    const withIt = await bundled('shared/domain/phone.ts', [PHONE_METADATA_ASSET]);
    expect(withIt.parsePhone('06 12 34 56 78', 'FR')).toEqual({
      e164: '+33612345678',
      country: 'FR',
      type: 'MOBILE',
    });
    expect(withIt.regionOf('+12025550123').country).toBe('US');
    const without = await bundled('shared/domain/phone.ts', []);
    expect(() => without.parsePhone('06 12 34 56 78', 'FR')).toThrow(/Cannot find module/);
    expect(() => without.parsePhone('06 12 34 56 78', 'FR')).not.toThrow(/is not a phone number/);
    const sender = await bundled('shared/domain/sms-sender.ts', []);
    // R10: without its metadata the sender check fails loudly rather than call a number "alphanumeric".
    expect(() => sender.smsSenderKind('0612345678', 'FR')).toThrow(/Cannot find module/);
  }, 60_000);

  it('every function whose bundle reads the phone metadata has it among its assets', () => {
    // The converse, and the bundles themselves, are test/infra/bundle-size.test.ts's.
    const ids = entryPoints.filter((e) => e.assets?.includes(PHONE_METADATA_ASSET)).map((e) => e.id);
    expect(ids).toContain('Decide');
    expect(ids).toContain('SendMessage');
  });
});
