import fc from 'fast-check';
import { defaultTreeAdapter as adapter, parse, type DefaultTreeAdapterTypes as T } from 'parse5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_IDENTITY } from '../../infra/local/seed';
import { runtimeDependencies } from '../../shared/http/runtime';
import { createApiKey, newTenant } from '../../shared/services/state';
import { type LocalGateway, provableConsent, startLocalGateway } from '../support/local-gateway';
import { auditOf, recipientKeyOf } from './faults';
import { count, NASTY_STRINGS, newTally, RUNS, report, SEED, sentSoFar } from './hostile';
import { ONE_CLICK, unsubscribeLink } from './support';

/**
 * Hostile input, parts 2 and 3 over HTTP: what a tenant declares (brand, purpose names,
 * wordings) never escapes into the recipient's pages as markup, and no random or tampered
 * token opens a page or records anything.
 */
let gw: LocalGateway;
const EMAIL = 'pages@example.org';

beforeAll(async () => {
  gw = await startLocalGateway();
  expect(
    (await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(EMAIL) })).status,
  ).toBe(201);
});
afterAll(async () => {
  await gw?.stop();
});

/** The page's element structure: tag names and attribute names, in document order. */
function structure(html: string): string[] {
  const out: string[] = [];
  const walk = (node: T.ParentNode) => {
    for (const child of node.childNodes) {
      if (!adapter.isElementNode(child)) continue;
      out.push(`${child.tagName}[${child.attrs.map((a) => a.name).join(',')}]`);
      walk(child.tagName === 'template' ? adapter.getTemplateContent(child as T.Template) : child);
    }
  };
  walk(parse(html));
  return out;
}

/** The page's text, as a reader sees it (parse5 decodes the entities). */
function textOf(html: string): string {
  let out = '';
  const walk = (node: T.ParentNode) => {
    for (const child of node.childNodes) {
      if (adapter.isTextNode(child)) out += child.value;
      else if (adapter.isElementNode(child)) walk(child);
    }
  };
  walk(parse(html));
  return out;
}

/**
 * A hostile value is shown as text: the page has the same elements and attributes as with a
 * harmless value, no script, and the markup characters of the value never appear raw.
 */
function expectEscaped(label: string, page: string, reference: string, value: string) {
  // As multisets: a purpose's name decides where its row goes on the preference centre.
  expect(structure(page).sort(), `${label}: structure unchanged by ${JSON.stringify(value)}`).toEqual(
    structure(reference).sort(),
  );
  // Escaped, a value with markup characters has none left: any raw occurrence the template does not explain leaked.
  if (/[<>"']/.test(value) && !reference.includes(value))
    expect(page.includes(value), `${label}: ${JSON.stringify(value)} appears raw`).toBe(false);
  // The value itself reaches the reader as text (HTML drops NUL in text and reads CR as LF).
  const visible = value.replaceAll('\0', '').replace(/\r\n?/g, '\n').trim();
  if (visible !== '') expect(textOf(page).replaceAll('\0', '')).toContain(visible);
}

const markupString = () =>
  fc.oneof(
    fc.constantFrom(...NASTY_STRINGS.filter((s) => s.trim() !== '' && !s.includes('\ud800'))),
    fc
      .array(
        fc.constantFrom(
          '<',
          '>',
          '"',
          "'",
          '&',
          '&amp;',
          '&#x3c;',
          'script',
          '/',
          '=',
          ' ',
          'on',
          'a',
          '\u00e9',
        ),
        {
          minLength: 1,
          maxLength: 16,
        },
      )
      .map((parts) => parts.join('')),
  );

async function page(path: string) {
  const r = await gw.call('GET', path, { headers: { 'accept-language': 'en' } });
  return r;
}

async function link(kind: 'preferences' | 'consent', address: string, key = gw.adminKey) {
  const r = await gw.call('POST', '/v1/links', { key, body: { channel: 'email', address, kind } });
  expect(r.status, r.text).toBe(201);
  return new URL(r.body.url as string).pathname;
}

describe('hostile input: nothing a tenant declares escapes into the pages', () => {
  it('purpose names and wordings with markup, quotes and entities render as text on /u, /p and /c', async () => {
    const references = {
      u: (await page((await unsubscribeLink(EMAIL, 'hostile-purpose')).path)).text,
      p: '',
      c: '',
    };
    // The reference pages: the same purpose, with a harmless name and wording.
    // A wording version never changes (R3): each text gets a version of its own.
    let version = 0;
    const declare = async (name: string, wording: string) => {
      const versionId = `hostile-v${++version}`;
      expect(
        (await gw.call('PUT', `/v1/wordings/${versionId}`, { key: gw.adminKey, body: { text: wording } }))
          .status,
      ).toBe(200);
      const r = await gw.call('PUT', '/v1/purposes/hostile-purpose', {
        key: gw.adminKey,
        body: { name, category: 'marketing', wordingVersion: versionId },
      });
      expect(r.status, r.text).toBe(200);
    };
    await declare('Plain name', 'Plain wording.');
    const unsubscribe = (await unsubscribeLink(EMAIL, 'hostile-purpose')).path;
    const preferences = await link('preferences', EMAIL);
    const consent = await link('consent', EMAIL);
    references.u = (await page(unsubscribe)).text;
    references.p = (await page(preferences)).text;
    references.c = (await page(consent)).text;
    expect(references.u).toContain('Plain name');
    expect(references.p).toContain('Plain wording.');
    expect(references.c).toContain('Plain name');

    const tally = newTally();
    await fc.assert(
      fc.asyncProperty(markupString(), markupString(), async (name, wording) => {
        await declare(name, wording);
        for (const [label, path, reference] of [
          ['/u', unsubscribe, references.u],
          ['/p', preferences, references.p],
          ['/c', consent, references.c],
        ] as const) {
          const r = await page(path);
          count(tally, r.status);
          expect(r.status, `${label}: ${r.text.slice(0, 200)}`).toBe(200);
          expectEscaped(`${label} name`, r.text, reference, name);
          if (label !== '/u') expectEscaped(`${label} wording`, r.text, reference, wording);
        }
      }),
      { numRuns: Math.ceil(RUNS / 2), seed: SEED },
    );
    report('pages, hostile purpose names and wordings', tally, 0);
  }, 120_000);

  it('a brand name with markup renders as text on /u, /p and /c', async () => {
    const deps = runtimeDependencies();
    const brands = NASTY_STRINGS.filter((s) => /[<>"']/.test(s));
    const pages: string[][] = [];
    for (const [i, brand] of ['Plain Brand', ...brands].entries()) {
      const tenant = `brand-${i}`;
      await deps.tenants.createTenant(newTenant(tenant, brand, [DEMO_IDENTITY]));
      const { key } = await createApiKey(deps, tenant, { role: 'admin' });
      const put = await gw.call('PUT', '/v1/purposes/letter', {
        key,
        body: { name: 'Letter', category: 'marketing' },
      });
      expect(put.status, put.text).toBe(200);
      const address = `brand-${i}@example.org`;
      const consented = await gw.call('POST', '/v1/consents', {
        key,
        body: { ...provableConsent(address, 'letter'), controllers: [brand] },
      });
      expect(consented.status, consented.text).toBe(201);
      const { signToken } = await import('../../shared/domain/unsubscribe-token');
      const { recipientKey } = await import('../../shared/domain/recipient-key');
      const keys = await deps.keys.load();
      const token = signToken(
        {
          tenant,
          recipientKey: recipientKey(keys.hashKey, tenant, 'email', address),
          purpose: 'letter',
          channel: 'email',
          messageId: `m-${i}`,
        },
        keys,
      );
      pages.push([
        (await page(`/u/${token}`)).text,
        (await page(await link('preferences', address, key))).text,
        (await page(await link('consent', address, key))).text,
      ]);
    }
    const [reference, ...hostile] = pages;
    hostile.forEach((set, i) => {
      set.forEach((html, j) => {
        expectEscaped(`brand ${['/u', '/p', '/c'][j]}`, html, reference![j]!, brands[i]!);
      });
    });
    console.log(`hostile input: brand names: ${brands.length} hostile brands × /u, /p, /c rendered as text`);
  }, 120_000);
});

/** One character replaced, a segment dropped, swapped, emptied or duplicated, or a suffix. */
function tampered(token: string): fc.Arbitrary<string> {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
  const segments = token.split('.');
  return fc.oneof(
    fc
      .tuple(fc.nat({ max: token.length - 1 }), fc.constantFrom(...alphabet))
      .filter(([i, c]) => token[i] !== c)
      .map(([i, c]) => token.slice(0, i) + c + token.slice(i + 1)),
    fc.nat({ max: segments.length - 1 }).map((i) => segments.filter((_, j) => j !== i).join('.')),
    fc.nat({ max: segments.length - 1 }).map((i) => segments.map((s, j) => (j === i ? '' : s)).join('.')),
    fc
      .tuple(fc.nat({ max: segments.length - 1 }), fc.nat({ max: segments.length - 1 }))
      .filter(([a, b]) => segments[a] !== segments[b])
      .map(([a, b]) => segments.map((s, j) => (j === a ? segments[b] : j === b ? segments[a] : s)).join('.')),
    fc.string({ minLength: 1, maxLength: 8 }).map((s) => token + s),
    fc.constant(token.slice(0, -1)),
  );
}

describe('hostile input: tokens', () => {
  it('random and tampered unsubscribe and page tokens open nothing and record nothing', async () => {
    const victim = 'tokens@example.org';
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(victim) });
    const key = await recipientKeyOf(gw, victim);
    const genuine = await unsubscribeLink(victim);
    const preferences = (await link('preferences', victim)).slice(3);
    const consent = (await link('consent', victim)).slice(3);
    // The genuine links work (so the refusals below are the tampering's doing).
    expect((await page(genuine.path)).status).toBe(200);
    expect((await page(`/p/${preferences}`)).status).toBe(200);
    expect((await page(`/c/${consent}`)).status).toBe(200);
    const auditBefore = (await auditOf(gw, key)).length;
    const sentBefore = await sentSoFar(gw);

    const tally = newTally();
    const token = fc.oneof(
      tampered(genuine.token).map((t) => ['u', t] as const),
      tampered(preferences).map((t) => ['p', t] as const),
      tampered(consent).map((t) => ['c', t] as const),
      fc.tuple(fc.constantFrom('u', 'p', 'c'), fc.string({ unit: 'binary', minLength: 1, maxLength: 120 })),
      // A genuine token of one kind used as another.
      fc.constantFrom(
        ['p', genuine.token],
        ['c', genuine.token],
        ['u', preferences],
        ['c', preferences],
        ['u', consent],
        ['p', consent],
      ),
    );
    await fc.assert(
      fc.asyncProperty(token, async ([kind, t]) => {
        const path = `/${kind}/${encodeURIComponent(Buffer.from(t).toString('utf8'))}`;
        const get = await gw.call('GET', path);
        count(tally, get.status);
        expect(get.status, `GET ${path}`).toBeGreaterThanOrEqual(400);
        expect(get.status, `GET ${path}`).toBeLessThan(500);
        const form =
          kind === 'u'
            ? ONE_CLICK
            : {
                body: `action=${kind === 'p' ? 'stop_all' : 'request'}&purpose=newsletter`,
                headers: ONE_CLICK.headers,
              };
        const post = await gw.call('POST', path, form);
        count(tally, post.status);
        expect(post.status, `POST ${path}`).toBeGreaterThanOrEqual(400);
        expect(post.status, `POST ${path}`).toBeLessThan(500);
        expect(post.text).toMatch(/not valid/);
      }),
      { numRuns: RUNS * 2, seed: SEED },
    );
    const recorded = (await auditOf(gw, key)).length - auditBefore;
    console.log(`hostile input: tokens: recorded ${recorded} events for the recipient`);
    report('random and tampered tokens (GET and POST)', tally, (await sentSoFar(gw)) - sentBefore);
    expect(recorded).toBe(0);
    // The genuine link still works after all that.
    expect((await gw.call('POST', genuine.path, ONE_CLICK)).status).toBe(200);
  }, 120_000);

  it('form posts: random fields, values and content types on genuine /u, /p and /c links are 4xx or harmless', async () => {
    const victim = 'forms@example.org';
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(victim) });
    const key = await recipientKeyOf(gw, victim);
    const paths = [
      (await unsubscribeLink(victim)).path,
      await link('preferences', victim),
      await link('consent', victim),
    ];
    const auditBefore = (await auditOf(gw, key)).length;
    const sentBefore = await sentSoFar(gw);
    const tally = newTally();
    const field = fc.oneof(
      fc.constantFrom('action', 'List-Unsubscribe', 'via', 'purpose', 'stop', 'wording:newsletter'),
      fc.string({ maxLength: 12 }),
    );
    const value = fc.oneof(fc.constantFrom(...NASTY_STRINGS), fc.string({ unit: 'binary', maxLength: 20 }));
    const body = fc.oneof(
      fc
        .array(fc.tuple(field, value), { maxLength: 6 })
        .map((pairs) =>
          new URLSearchParams(
            pairs.map(([k, v]) => [k, Buffer.from(v).toString('utf8')] as [string, string]),
          ).toString(),
        ),
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.json({ maxDepth: 2 }),
    );
    const contentType = fc.constantFrom(
      'application/x-www-form-urlencoded',
      'multipart/form-data',
      'multipart/form-data; boundary=x',
      'application/json',
      'text/plain',
      'application/octet-stream',
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), body, contentType, async (path, b, type) => {
        // Bodies whose action is a genuine one are the page's own forms: leave them to the integration tests.
        if (
          /(^|&)(action=(save|stop_all|export|forget|forget_confirmed|request|confirm)|List-Unsubscribe=One-Click)(&|$)/.test(
            b,
          )
        )
          return;
        const r = await gw.call('POST', path, { body: b, headers: { 'content-type': type } });
        count(tally, r.status);
        expect(r.status, `${path} ${type} ${JSON.stringify(b)}: ${r.text.slice(0, 200)}`).toBe(400);
      }),
      { numRuns: RUNS * 2, seed: SEED },
    );
    const recorded = (await auditOf(gw, key)).length - auditBefore;
    report('form posts of /u, /p, /c', tally, (await sentSoFar(gw)) - sentBefore);
    expect(recorded).toBe(0);
  }, 120_000);
});
