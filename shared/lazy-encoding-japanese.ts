import { ENCODING_JAPANESE_ASSET } from './asset-paths';
import { requireAsset, resolveAsset } from './assets';

/**
 * encoding-japanese as libmime uses it (its `convert`, for ISO-2022-JP and the other JIS
 * charsets iconv-lite lacks), loaded the first time a message in one of them is decoded
 * rather than with libmime: 90 KiB that SesSendEmail compiled at every cold start. In
 * bundles, `encoding-japanese` is this module (ESBUILD_ALIAS in infra/entry-points.ts) and
 * the package's own one-file build, of the same version, is read beside the bundle
 * (ENCODING_JAPANESE_ASSET); from the sources libmime requires the package itself.
 */
interface EncodingJapanese {
  convert(data: unknown, options: unknown): unknown;
}

// Found now, read on first use: libmime falls back to UTF-8 when `convert` throws, so a
// missing file must stop libmime from loading rather than garble Japanese mail.
const path = resolveAsset(ENCODING_JAPANESE_ASSET);
let loaded: EncodingJapanese | undefined;

export default {
  convert(data: unknown, options: unknown): unknown {
    loaded ??= requireAsset<EncodingJapanese>(path);
    return loaded.convert(data, options);
  },
};
