import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from 'aws-lambda';
import { entryPoints } from '../entry-points';
import { lambdaContext } from './lambda-context';

type Handler = (event: unknown, context: Context) => Promise<{ outcomes: string[] }>;

const MAX_BODY = 256 * 1024;

/**
 * R10 / RFC 2369, locally: `POST /local/ses-inbound` plays SES receiving a mail. The body is an
 * SES receipt event (`{Records: [...]}`) as a receipt rule's Lambda action delivers it, or a
 * shorthand `{to, from?, subject?, spf?, dkim?, dmarc?}` that builds one (verdicts PASS unless
 * given). Either goes to the real UnsubscribeMail handler; the answer lists its outcome per
 * recipient (`recorded`, `duplicate`, `queued`, `unconfirmed`, `not_ours`).
 */
export function sesReceiptEvent(body: Record<string, unknown>): unknown {
  if (Array.isArray(body.Records)) return body;
  const now = new Date();
  const to = typeof body.to === 'string' ? [body.to] : Array.isArray(body.to) ? body.to : [];
  const from = typeof body.from === 'string' ? body.from : 'reader@example.org';
  const status = (v: unknown) => ({ status: typeof v === 'string' ? v : 'PASS' });
  const messageId = `<${randomUUID()}@local.example>`;
  return {
    Records: [
      {
        eventSource: 'aws:ses',
        eventVersion: '1.0',
        ses: {
          mail: {
            timestamp: now.toISOString(),
            source: from,
            messageId: `local-${randomUUID()}`,
            destination: to,
            headersTruncated: false,
            headers: [
              { name: 'From', value: from },
              { name: 'To', value: to.join(', ') },
              { name: 'Date', value: now.toUTCString() },
              { name: 'Message-ID', value: messageId },
              { name: 'Subject', value: String(body.subject ?? 'unsubscribe') },
            ],
            commonHeaders: {
              returnPath: from,
              from: [from],
              date: now.toUTCString(),
              to,
              messageId,
              subject: String(body.subject ?? 'unsubscribe'),
            },
          },
          receipt: {
            timestamp: now.toISOString(),
            processingTimeMillis: 1,
            recipients: to,
            spamVerdict: { status: 'PASS' },
            virusVerdict: { status: 'PASS' },
            spfVerdict: status(body.spf),
            dkimVerdict: status(body.dkim),
            dmarcVerdict: status(body.dmarc),
            dmarcPolicy: 'none',
            action: {
              type: 'Lambda',
              functionArn: 'arn:aws:lambda:local:000000000000:function:UnsubscribeMail',
              invocationType: 'Event',
            },
          },
        },
      },
    ],
  };
}

export async function replaySesInbound(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) {
      res.writeHead(413, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `body larger than ${MAX_BODY} bytes` }));
      return;
    }
    chunks.push(chunk as Buffer);
  }
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    if (body === null || typeof body !== 'object') throw new Error('not an object');
  } catch {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'body must be a JSON object' }));
    return;
  }
  const entry = entryPoints.find((e) => e.trigger?.type === 'sesReceipt')!;
  const { handler } = (await import(new URL(`../../${entry.entry}`, import.meta.url).href)) as {
    handler: Handler;
  };
  try {
    const result = await handler(sesReceiptEvent(body), lambdaContext(entry.id));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(result));
  } catch (error) {
    // In AWS, Lambda would retry twice, then the on-failure queue (npm run redrive); here the caller sees it.
    const status = (error as Error).name === 'InvalidInputError' ? 400 : 500;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: (error as Error).name, message: (error as Error).message }));
  }
}
