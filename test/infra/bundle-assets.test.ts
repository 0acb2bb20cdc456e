import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { simpleParser } from 'mailparser';
import { afterAll, describe, expect, it } from 'vitest';
import { type EntryPoint, entryPoints, ICONV_TABLES_ASSET } from '../../infra/entry-points';
import { bundleEntryPoint, copyAssets } from '../../scripts/bench/bundles';
import {
  COUNTRY_TIME_ZONES_ASSET,
  ENCODING_JAPANESE_ASSET,
  PHONE_METADATA_ASSET,
} from '../../shared/asset-paths';

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
  // As infra/gateway.ts's afterBundling hook: `cp -R node_modules/<asset> <bundle dir>/<its name>`.
  copyAssets(assets, outfile);
  return import(pathToFileURL(outfile).href);
}

describe('assets read on first use', () => {
  it('the phone metadata and the time zones: read beside the bundle; missing, an error, never "not a phone number"', async () => {
    const withIt = await bundled('shared/domain/phone.ts', [PHONE_METADATA_ASSET, COUNTRY_TIME_ZONES_ASSET]);
    expect(withIt.parsePhone('06 12 34 56 78', 'FR')).toEqual({
      e164: '+33612345678',
      country: 'FR',
      type: 'MOBILE',
    });
    const sources = await import('../../shared/domain/phone');
    for (const number of ['+12025550123', '+33612345678', '+61412345678', '+5511912345678', '+2906601234'])
      expect(withIt.regionOf(number), number).toEqual(sources.regionOf(number));
    expect(withIt.regionOf('+12025550123').timeZones).toContain('America/New_York');
    // R14's zones: without them the region is an error, never a guessed zone.
    const noZones = await bundled('shared/domain/phone.ts', [PHONE_METADATA_ASSET]);
    expect(() => noZones.regionOf('+12025550123')).toThrow(/Cannot find module/);
    const without = await bundled('shared/domain/phone.ts', []);
    expect(() => without.parsePhone('06 12 34 56 78', 'FR')).toThrow(/Cannot find module/);
    expect(() => without.parsePhone('06 12 34 56 78', 'FR')).not.toThrow(/is not a phone number/);
    const sender = await bundled('shared/domain/sms-sender.ts', []);
    // R10: without its metadata the sender check fails loudly rather than call a number "alphanumeric".
    expect(() => sender.smsSenderKind('0612345678', 'FR')).toThrow(/Cannot find module/);
  }, 60_000);

  it("iconv-lite's double-byte tables and encoding-japanese: read beside the bundle; headers and bodies decode as from the sources", async () => {
    // Words and bodies in each double-byte charset iconv-lite reads from a table (EUC-KR with
    // a UHC syllable, GBK, Big5, Shift_JIS, EUC-JP), encoded by libmime's own iconv-lite.
    const iconv = createRequire(createRequire(import.meta.url).resolve('libmime'))('iconv-lite') as {
      encode(text: string, charset: string): Buffer;
    };
    // ISO-2022-JP, which iconv-lite lacks, is encoding-japanese's (loaded on first use in bundles).
    const japanese = createRequire(import.meta.url)('encoding-japanese') as {
      convert(data: number[], options: { to: string; from: string }): number[];
      stringToCode(text: string): number[];
    };
    const encode = (text: string, charset: string) =>
      charset === 'iso-2022-jp'
        ? Buffer.from(japanese.convert(japanese.stringToCode(text), { to: 'JIS', from: 'UNICODE' }))
        : iconv.encode(text, charset);
    const samples = [
      ['euc-kr', '안녕하세요 똠방각하'],
      ['gbk', '你好，世界'],
      ['big5', '繁體中文測試'],
      ['shift_jis', 'こんにちは世界'],
      ['euc-jp', '日本語のテキスト'],
      ['iso-2022-jp', 'お知らせ：日本語ｶﾀｶﾅ'],
    ] as const;
    const raw = (charset: string, text: string) =>
      Buffer.concat([
        Buffer.from(
          `From: =?${charset}?B?${encode(text, charset).toString('base64')}?= <news@brand.example>\r\n` +
            `To: a@example.org\r\nSubject: s\r\nMIME-Version: 1.0\r\n` +
            `Content-Type: text/plain; charset=${charset}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n`,
        ),
        encode(`${text}\r\n`, charset),
      ]);
    const sources = {
      headers: await import('../../shared/domain/mime-headers'),
      mime: await import('../../shared/domain/inject-unsubscribe-mime'),
    };
    const withTables = {
      headers: await bundled('shared/domain/mime-headers.ts', [ICONV_TABLES_ASSET, ENCODING_JAPANESE_ASSET]),
      mime: await bundled('shared/domain/inject-unsubscribe-mime.ts', [
        ICONV_TABLES_ASSET,
        ENCODING_JAPANESE_ASSET,
      ]),
    };
    // Without the folder the bundle does not load (libmime asks for the GBK codec when it loads):
    // a deployment missing it fails at cold start, never decodes a message as something else.
    // Nor without encoding-japanese (libmime would decode ISO-2022-JP as UTF-8 if it failed on use).
    await expect(bundled('shared/domain/mime-headers.ts', [ICONV_TABLES_ASSET])).rejects.toThrow(
      /encoding-japanese/,
    );
    await expect(bundled('shared/domain/mime-headers.ts', [ENCODING_JAPANESE_ASSET])).rejects.toThrow(
      /Cannot find module '\.\/tables\//,
    );
    const url = 'https://gate.example/u/token';
    for (const [charset, text] of samples) {
      const message = raw(charset, text);
      const fromSources = await sources.headers.parseRawHeaders(message);
      expect(fromSources.from[0]?.name, charset).toBe(text);
      expect(await withTables.headers.parseRawHeaders(message), charset).toEqual(fromSources);
      const injected = await withTables.mime.injectIntoMime(message, url);
      expect(injected.equals(await sources.mime.injectIntoMime(message, url)), charset).toBe(true);
      expect((await simpleParser(injected)).text, charset).toContain(text);
    }
  }, 120_000);

  it('SesSendEmail loads without the MIME stack: libmime, its tables and encoding-japanese wait for a raw message', async () => {
    // Without the charset assets its import would fail (libmime asks for the GBK codec when it
    // loads); it succeeds because shared/services/ses-send-email.ts imports the MIME modules
    // on first use.
    const fn = await bundled('functions/ses-send-email.ts', [PHONE_METADATA_ASSET, COUNTRY_TIME_ZONES_ASSET]);
    expect(typeof fn.handler).toBe('function');
  }, 60_000);

  it('handlebars without source-map (left out): templates render as from the sources', async () => {
    const parts = {
      Subject: 'Hello {{name}}',
      Html: '<p>{{#each items}}<b>{{this}}</b>{{/each}} {{#if vip}}VIP{{else}}{{{raw}}}{{/if}}</p>',
      Text: '{{name}}: {{items.length}} {{missing}}',
    };
    const data = {
      field: 'TemplateData',
      value: JSON.stringify({ name: 'Zoë', items: ['a', '<b>'], raw: '<i>' }),
    };
    const fromSources = (await import('../../shared/services/ses-templates')).renderTemplate(parts, data);
    expect(fromSources.subject).toBe('Hello Zoë');
    const built = await bundled('shared/services/ses-templates.ts', []);
    expect(built.renderTemplate(parts, data)).toEqual(fromSources);
  }, 60_000);

  it('every function whose bundle reads the phone metadata has it among its assets', () => {
    // The converse, and the bundles themselves, are test/infra/bundle-size.test.ts's.
    const ids = entryPoints.filter((e) => e.assets?.includes(PHONE_METADATA_ASSET)).map((e) => e.id);
    expect(ids).toContain('Decide');
    expect(ids).toContain('SendMessage');
  });
});
