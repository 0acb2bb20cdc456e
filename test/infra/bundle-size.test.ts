import { describe, expect, it } from 'vitest';
import { entryPoints, ICONV_TABLES_ASSET } from '../../infra/entry-points';
import { bundleEntryPoint, MAX_BUNDLE_BYTES, sdkPackagesCalled } from '../../scripts/bench/bundles';
import {
  COUNTRY_TIME_ZONES_ASSET,
  ENCODING_JAPANESE_ASSET,
  PHONE_METADATA_ASSET,
} from '../../shared/asset-paths';

/**
 * Every function's bundle, built as the construct builds it (scripts/bench/bundles.ts
 * mirrors infra/gateway.ts's esbuild options), stays under 1.5 MiB. Sizes are deterministic
 * for a lockfile, so CI can check them; import times are the bench's (`--section bundles`).
 */
const MiB = 1024 * 1024;

/**
 * The functions that parse HTML: those that send email (R10's footer, injected) and the one
 * that documents POST /v1/messages (its schema refuses frameset documents). No other function
 * bundles parse5: shared/schemas/message.ts and shared/services/cancel-message.ts keep it out.
 */
const PARSES_HTML = new Set(['SendMessage', 'SesSendEmail', 'BulkSend', 'SendDeferredSms', 'OpenApi']);

describe('Lambda bundle sizes', () => {
  it.each(entryPoints.map((e) => [e.id, e] as const))(
    '%s bundles within 1.5 MiB, with the assets it reads beside it,',
    async (_id, entry) => {
      const { bytes, metafile, sdkPackages, code } = await bundleEntryPoint(
        entry,
        `/tmp/consent-gate-size-${entry.id}.mjs`,
        false,
      );
      expect(bytes, `${entry.id} is ${(bytes / MiB).toFixed(2)} MiB`).toBeLessThanOrEqual(MAX_BUNDLE_BYTES);
      // Exactly the SDK clients its `needs` grant (shared/http/wiring.ts): none it may not call
      // (bytes and cold start for nothing), none missing (the port would refuse at run time).
      expect(sdkPackages, `${entry.id}'s SDK packages`).toEqual(sdkPackagesCalled(entry.needs));
      // The MIME stack and date-holidays stay out of every function that does not parse MIME.
      const inputs = Object.keys(metafile.inputs);
      if (entry.id !== 'SesSendEmail')
        expect(inputs.filter((p) => /node_modules\/libmime\//.test(p))).toEqual([]);
      expect(
        inputs.filter((p) => /node_modules\/(date-holidays|moment-timezone|astronomia)\//.test(p)),
      ).toEqual([]);
      // The code in the output: mailparser's body stack (html-to-text, he, linkify-it) is never
      // run by a function, and libmime comes once, as the CommonJS build mailsplit requires.
      const bundled = Object.values(metafile.outputs).flatMap((o) =>
        Object.entries(o.inputs)
          .filter(([, input]) => input.bytesInOutput > 0)
          .map(([path]) => path),
      );
      expect(
        bundled.filter((p) => /node_modules\/(mailparser|html-to-text|he|linkify-it)\//.test(p)),
      ).toEqual([]);
      expect(bundled.filter((p) => /node_modules\/libmime\/dist\/esm\//.test(p))).toEqual([]);
      // What a bundle reads on first use is copied beside it (`assets`): a bundle with
      // libphonenumber-js and without its metadata would refuse every number deployed.
      expect(
        bundled.some((p) => /node_modules\/libphonenumber-js\//.test(p)),
        `${entry.id} bundles libphonenumber-js`,
      ).toBe(entry.assets?.includes(PHONE_METADATA_ASSET) ?? false);
      expect(code?.includes('country_calling_codes:{'), `${entry.id} inlines phone metadata`).toBe(false);
      // The loader names the package itself (the asset's path alone may be listed, as in OpenApi's).
      expect(/["']countries-and-timezones["']/.test(code ?? ''), `${entry.id} reads the time zones`).toBe(
        entry.assets?.includes(COUNTRY_TIME_ZONES_ASSET) ?? false,
      );
      expect(inputs.filter((p) => /node_modules\/countries-and-timezones\//.test(p))).toEqual([]);
      // The same for iconv-lite's double-byte tables (ESBUILD_EXTERNAL): the folder copied is
      // the one beside the iconv-lite bundled, and no table is inlined.
      const dbcs = bundled.filter((p) => /iconv-lite\/encodings\/dbcs-data\.js$/.test(p));
      expect(dbcs.length > 0, `${entry.id} bundles iconv-lite's codecs`).toBe(
        entry.assets?.includes(ICONV_TABLES_ASSET) ?? false,
      );
      for (const path of dbcs)
        expect(path.replace(/dbcs-data\.js$/, 'tables')).toBe(`node_modules/${ICONV_TABLES_ASSET}`);
      expect(inputs.filter((p) => /iconv-lite\/encodings\/tables\//.test(p))).toEqual([]);
      // And encoding-japanese, which libmime requires when it loads: its stand-in reads it on first use.
      expect(bundled.includes('shared/lazy-encoding-japanese.ts'), `${entry.id} decodes JIS`).toBe(
        entry.assets?.includes(ENCODING_JAPANESE_ASSET) ?? false,
      );
      expect(bundled.filter((p) => /node_modules\/encoding-japanese\//.test(p))).toEqual([]);
      if (!PARSES_HTML.has(entry.id))
        expect(bundled.filter((p) => /node_modules\/(parse5|entities)\//.test(p))).toEqual([]);
    },
    60_000,
  );
});
