import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { LEGACY_COLUMNS, type LegacyRow } from '../shared/domain/legacy-import';

/**
 * A synthetic legacy base for the demo tenant (purposes newsletter/personalised-offers, wording
 * newsletter-v1, controller "Demo Shop"), with a realistic mix: mostly opt-ins of
 * varying proof, some customers, opt-outs, bounces, stale and broken rows.
 * Run by `consent-gate gen-legacy` (also `npm run gen:legacy -- --rows 1000000 --out /tmp/legacy.csv [--seed 1]`).
 * Addresses are fictitious (example.com/example.net/example.org, RFC 2606).
 */
export async function generateLegacyCsv(options: { rows: number; out: string; seed: number }): Promise<void> {
  const out = createWriteStream(options.out, { mode: 0o600 });
  const cell = (v: string | undefined) => (v === undefined ? '' : /[",\n]/.test(v) ? `"${v}"` : v);
  const row = legacyRows(options.seed);
  out.write(`${LEGACY_COLUMNS.join(',')}\n`);
  for (let i = 0; i < options.rows; i++) {
    const r = row(i);
    // Backpressure: wait for the stream to drain rather than buffer the file in memory.
    if (!out.write(`${LEGACY_COLUMNS.map((c) => cell(r[c])).join(',')}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** The row generator for one seed: the same seed gives the same file. */
function legacyRows(seed: number): (i: number) => LegacyRow {
  // A small deterministic PRNG (mulberry32).
  let state = seed >>> 0;
  function random(): number {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  const DAY = 86_400_000;
  const now = Date.now();
  const ago = (maxDays: number) => new Date(now - Math.floor(random() * maxDays) * DAY - DAY).toISOString();
  const domains = ['example.com', 'example.net', 'example.org'];

  function row(i: number): LegacyRow {
    const r = random();
    const base: LegacyRow = {
      address: `user${i}@${domains[i % 3]}`,
      channel: 'email',
      purpose: random() < 0.8 ? 'newsletter' : 'personalised-offers',
      pre_ticked: 'no',
      opted_out: 'no',
      hard_bounce: 'no',
    };
    if (r < 0.35) {
      // A well-documented web opt-in.
      return {
        ...base,
        optin_at: ago(1000),
        method: 'web_form',
        source: 'https://shop.example/signup',
        wording_version: 'newsletter-v1',
        controllers: 'Demo Shop',
        ip: '203.0.113.7',
        last_activity_at: ago(300),
      };
    }
    if (r < 0.6) {
      // An opt-in with a hole in its proof (no wording, no controller, or a pre-ticked box).
      const hole = random();
      return {
        ...base,
        optin_at: ago(1000),
        method: hole < 0.2 ? 'pre_ticked_box' : 'web_form',
        source: 'https://shop.example/signup',
        wording_version: hole < 0.6 ? '' : 'newsletter-v1',
        controllers: hole < 0.8 ? 'Demo Shop' : '',
        last_activity_at: ago(700),
      };
    }
    if (r < 0.72) {
      return {
        ...base,
        purpose: 'newsletter',
        purchase_family: random() < 0.8 ? 'books' : 'garden',
        purchase_at: ago(900),
        opt_out_offered: random() < 0.9 ? 'yes' : 'no',
      };
    }
    if (r < 0.8) return { ...base, opted_out: 'yes', last_activity_at: ago(2000) };
    if (r < 0.85) return { ...base, hard_bounce: 'yes', optin_at: ago(2000) };
    if (r < 0.96) {
      // Stale: no act of the person for more than three years.
      const stale = new Date(now - (1100 + Math.floor(random() * 2000)) * DAY).toISOString();
      return { ...base, optin_at: stale, method: 'web_form', last_activity_at: stale };
    }
    if (r < 0.98) return { ...base, address: `broken-${i}.example.com` };
    return { ...base, purpose: 'unknown-purpose', optin_at: ago(100) };
  }
  return row;
}
