import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { escapeHtml } from '../../shared/http/pages/layout';
import { keepIdleConnections } from './keep-alive';

/**
 * What the gateway handed to SES, kept for the local outbox page (`/local/outbox`).
 * aws-ses-v2-local keeps only what its viewer shows (no headers for raw sends), so the
 * SDK's SES v2 endpoint points at this recorder, which keeps each SendEmail request as
 * sent (the raw MIME of a raw send, the headers of a simple one) and passes it on.
 */
export interface OutboxEmail {
  readonly sesMessageId: string;
  readonly at: string;
  /** The SES v2 SendEmail request body, as the gateway's SES client sent it. */
  readonly request: SendEmailBody;
}

interface SendEmailBody {
  FromEmailAddress?: string;
  Destination?: { ToAddresses?: string[] };
  Content?: {
    Raw?: { Data?: string };
    Simple?: {
      Subject?: { Data?: string };
      Body?: { Html?: { Data?: string }; Text?: { Data?: string } };
      Headers?: { Name: string; Value: string }[];
    };
  };
}

export interface SesOutbox {
  readonly url: string;
  readonly emails: readonly OutboxEmail[];
  close(): Promise<void>;
}

export async function startSesOutbox(options: { host: string; sesUrl: string }): Promise<SesOutbox> {
  const emails: OutboxEmail[] = [];
  const target = new URL(options.sesUrl);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const upstream = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host },
        },
        (answer) => {
          const out: Buffer[] = [];
          answer.on('data', (c: Buffer) => out.push(c));
          answer.on('end', () => {
            const text = Buffer.concat(out);
            if (
              req.method === 'POST' &&
              req.url === '/v2/email/outbound-emails' &&
              answer.statusCode === 200
            ) {
              try {
                const { MessageId } = JSON.parse(text.toString('utf8')) as { MessageId: string };
                emails.push({
                  sesMessageId: MessageId,
                  at: new Date().toISOString(),
                  request: JSON.parse(body.toString('utf8')) as SendEmailBody,
                });
              } catch {
                // Not a SendEmail answer: passed on, not recorded.
              }
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(text);
          });
        },
      );
      upstream.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => keepIdleConnections(server).listen(0, options.host, resolve));
  const url = `http://${options.host}:${(server.address() as AddressInfo).port}`;
  return {
    url,
    emails,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** One delivered email as the outbox shows it: headers, parts, and the source handed to SES. */
export interface OutboxView {
  readonly sesMessageId: string;
  readonly at: string;
  readonly kind: 'raw' | 'simple';
  readonly headers: { name: string; value: string }[];
  readonly parts: { contentType: string; size: number; filename?: string }[];
  readonly source: string;
}

export async function viewOf(email: OutboxEmail): Promise<OutboxView> {
  const raw = email.request.Content?.Raw?.Data;
  if (raw !== undefined) {
    const source = Buffer.from(raw, 'base64').toString('utf8');
    const parsed = await simpleParser(source);
    const headers = parsed.headerLines.map((h) => {
      const colon = h.line.indexOf(':');
      return { name: h.line.slice(0, colon), value: h.line.slice(colon + 1).trim() };
    });
    const parts = [
      ...(parsed.text ? [{ contentType: 'text/plain', size: parsed.text.length }] : []),
      ...(typeof parsed.html === 'string' ? [{ contentType: 'text/html', size: parsed.html.length }] : []),
      ...parsed.attachments.map((a) => ({ contentType: a.contentType, size: a.size, filename: a.filename })),
    ];
    return { sesMessageId: email.sesMessageId, at: email.at, kind: 'raw', headers, parts, source };
  }
  const simple = email.request.Content?.Simple;
  const headers = [
    { name: 'From', value: email.request.FromEmailAddress ?? '' },
    { name: 'To', value: (email.request.Destination?.ToAddresses ?? []).join(', ') },
    { name: 'Subject', value: simple?.Subject?.Data ?? '' },
    ...(simple?.Headers ?? []).map((h) => ({ name: h.Name, value: h.Value })),
  ];
  const parts = [
    ...(simple?.Body?.Text?.Data ? [{ contentType: 'text/plain', size: simple.Body.Text.Data.length }] : []),
    ...(simple?.Body?.Html?.Data ? [{ contentType: 'text/html', size: simple.Body.Html.Data.length }] : []),
  ];
  // SES builds the MIME of a simple send itself: the source is the request it was given.
  const source = JSON.stringify(email.request, null, 2);
  return { sesMessageId: email.sesMessageId, at: email.at, kind: 'simple', headers, parts, source };
}

export function outboxPage(views: readonly OutboxView[], links: { mailViewer: string }): string {
  const items = [...views]
    .reverse()
    .map(
      (v) => `<article>
<h2>${escapeHtml(v.headers.find((h) => h.name.toLowerCase() === 'subject')?.value ?? '(no subject)')}</h2>
<p>SES message id <code>${escapeHtml(v.sesMessageId)}</code>, handed to SES at ${escapeHtml(v.at)} (${v.kind === 'raw' ? 'raw MIME' : 'simple content: SES builds the MIME'})</p>
<h3>Headers</h3>
<table><tbody>${v.headers.map((h) => `<tr><th scope="row">${escapeHtml(h.name)}</th><td>${escapeHtml(h.value)}</td></tr>`).join('')}</tbody></table>
<h3>Parts</h3>
<ul>${v.parts.map((p) => `<li>${escapeHtml(p.contentType)}${p.filename ? ` ${escapeHtml(p.filename)}` : ''}, ${p.size} characters</li>`).join('')}</ul>
<details><summary>Source handed to SES</summary><pre>${escapeHtml(v.source)}</pre></details>
</article>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>consent-gate local outbox</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}article{border-top:1px solid #ccc;padding:1rem 0}th{text-align:left;vertical-align:top;padding-right:1rem;white-space:nowrap}td{word-break:break-all}pre{white-space:pre-wrap;word-break:break-all;background:#f4f4f4;padding:1rem}</style>
</head><body>
<h1>Outbox: what the gateway handed to SES</h1>
<p>${views.length} email${views.length === 1 ? '' : 's'}, newest first. The rendered messages are in the <a href="${escapeHtml(links.mailViewer)}">mail viewer</a>; JSON at <a href="/local/outbox.json">/local/outbox.json</a>.</p>
${items || '<p>Nothing sent yet.</p>'}
</body></html>`;
}

/** `GET /` of the local API: where everything is. */
export function indexPage(links: {
  apiUrl: string;
  mailViewer: string;
  smsOutbox: string;
  keysFile: string;
  localFile: string;
}): string {
  const a = (href: string, text: string) => `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>consent-gate (local)</title>
<style>body{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem}li{margin:.4rem 0}</style>
</head><body>
<h1>consent-gate, running locally</h1>
<ul>
<li>${a('/console', 'Compliance console')}: sign in with the admin or the compliance key (in the file below)</li>
<li>${a('/docs', 'API reference')} (${a('/openapi.json', 'OpenAPI document')})</li>
<li>${a(links.mailViewer, 'Mail viewer')}: every email the local SES received, rendered</li>
<li>${a('/local/outbox', 'Outbox')}: each email as the gateway handed it to SES (headers such as List-Unsubscribe, parts, raw source)</li>
<li>${a(links.smsOutbox, 'SMS outbox')}: every SMS sent, and a form to reply STOP</li>
<li>${a('/local/events', 'Events')}: what EventBridge would receive</li>
<li>${a('/local/bulk-queue', 'Bulk queue')} and ${a('/local/objection-queue', 'objection queue')} status</li>
</ul>
<p>The demo tenant's API keys are in <code>${escapeHtml(links.localFile)}</code>; the key ring (recipient hash and token keys, never to be changed, R11) is <code>${escapeHtml(links.keysFile)}</code>.</p>
<p>API base URL: <code>${escapeHtml(links.apiUrl)}</code></p>
</body></html>`;
}
