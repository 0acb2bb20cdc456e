import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context, SNSEvent } from 'aws-lambda';
import { measureSms } from '../../shared/domain/sms-content';
import { escapeHtml } from '../../shared/http/pages/layout';
import { entryPoints } from '../entry-points';
import { keepIdleConnections } from './keep-alive';
import { lambdaContext } from './lambda-context';

/**
 * The local stand-in for AWS End User Messaging SMS, as aws-ses-v2-local is for SES:
 * it answers the SendTextMessage operation of the real SDK client (AWS JSON 1.0
 * protocol), keeps every SMS in an outbox (page and JSON), simulates inbound replies by
 * invoking the real inbound handler with an SNS-shaped event, and runs the deferred-SMS
 * function on a timer as the schedule does in AWS.
 */
export interface OutboxSms {
  readonly messageId: string;
  readonly originationIdentity: string;
  readonly to: string;
  readonly body: string;
  readonly messageType: string;
  readonly configurationSetName?: string;
  readonly encoding: string;
  readonly segments: number;
  readonly at: string;
}

export interface LocalSms {
  readonly url: string;
  readonly outbox: OutboxSms[];
  /**
   * Simulates a reply from a phone to one of the tenant's numbers. Give `inboundMessageId` and
   * `receivedAt` to deliver the same reply again, as SNS and Lambda's retries do.
   */
  reply(
    from: string,
    to: string,
    body: string,
    again?: { inboundMessageId: string; receivedAt: string },
  ): Promise<void>;
  /** Runs the deferred-SMS function once, now. */
  runDeferred(): Promise<unknown>;
  close(): Promise<void>;
}

type Handler<E> = (event: E, context: Context) => Promise<unknown>;

async function loadHandler<E>(id: string): Promise<{ handler: Handler<E>; context: () => Context }> {
  const entry = entryPoints.find((e) => e.id === id)!;
  const mod = (await import(new URL(`../../${entry.entry}`, import.meta.url).href)) as {
    handler: Handler<E>;
  };
  return { handler: mod.handler, context: () => lambdaContext(entry.id) };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function outboxPage(outbox: readonly OutboxSms[]): string {
  const rows = [...outbox]
    .reverse()
    .map(
      (m) =>
        `<tr><td>${escapeHtml(m.at)}</td><td>${escapeHtml(m.originationIdentity)}</td><td>${escapeHtml(m.to)}</td>` +
        `<td>${escapeHtml(m.messageType)}</td><td><pre>${escapeHtml(m.body)}</pre></td><td>${m.encoding}, ${m.segments}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Local SMS outbox</title><style>body{font:15px/1.4 system-ui,sans-serif;margin:1.5rem}table{border-collapse:collapse;width:100%}
td,th{border:1px solid #ccc;padding:.4rem;vertical-align:top;text-align:left}pre{margin:0;white-space:pre-wrap}form{margin:1rem 0;display:flex;gap:.5rem;flex-wrap:wrap}</style></head>
<body><h1>Local SMS outbox</h1>
<p>Every SMS the gateway sends locally lands here (<a href="/messages">JSON</a>). Reply as a phone would:</p>
<form method="post" action="/inbound"><label>From <input name="from" placeholder="+33612345678" required></label>
<label>To <input name="to" placeholder="36123" required></label><label>Text <input name="body" value="STOP" required></label>
<button type="submit">Send reply</button></form>
<table><thead><tr><th>At</th><th>From</th><th>To</th><th>Type</th><th>Text</th><th>Encoding, segments</th></tr></thead>
<tbody>${rows}</tbody></table></body></html>`;
}

export async function startLocalSms(options: {
  host: string;
  port?: number;
  deferredEveryMs?: number;
}): Promise<LocalSms> {
  const outbox: OutboxSms[] = [];

  const reply: LocalSms['reply'] = async (from, to, body, again) => {
    const { handler, context } = await loadHandler<SNSEvent>('SmsInbound');
    const message = {
      originationNumber: from,
      destinationNumber: to,
      messageBody: body,
      inboundMessageId: again?.inboundMessageId ?? randomUUID(),
    };
    await handler(
      {
        Records: [
          {
            EventSource: 'aws:sns',
            EventVersion: '1.0',
            EventSubscriptionArn: 'arn:aws:sns:local:000000000000:inbound-sms:local',
            Sns: {
              Type: 'Notification',
              MessageId: randomUUID(),
              TopicArn: 'arn:aws:sns:local:000000000000:inbound-sms',
              Subject: '',
              Message: JSON.stringify(message),
              Timestamp: again?.receivedAt ?? new Date().toISOString(),
              SignatureVersion: '1',
              Signature: '',
              SigningCertUrl: '',
              UnsubscribeUrl: '',
              MessageAttributes: {},
            },
          },
        ],
      },
      context(),
    );
  };
  const runDeferred = async () => {
    const { handler, context } = await loadHandler<unknown>('SendDeferredSms');
    return handler({ source: 'local.timer' }, context());
  };

  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const target = req.headers['x-amz-target'];
      if (req.method === 'POST' && typeof target === 'string') {
        const input = JSON.parse(await readBody(req)) as Record<string, string>;
        if (target !== 'PinpointSMSVoiceV2.SendTextMessage') {
          res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
          res.end(
            JSON.stringify({ __type: 'ValidationException', message: `${target} is not supported locally` }),
          );
          return;
        }
        const messageId = randomUUID();
        const measure = measureSms(input.MessageBody ?? '');
        outbox.push({
          messageId,
          originationIdentity: input.OriginationIdentity ?? '',
          to: input.DestinationPhoneNumber ?? '',
          body: input.MessageBody ?? '',
          messageType: input.MessageType ?? '',
          configurationSetName: input.ConfigurationSetName,
          encoding: measure.encoding,
          segments: measure.segments,
          at: new Date().toISOString(),
        });
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ MessageId: messageId }));
        return;
      }
      if (req.method === 'GET' && url.pathname === '/messages') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ messages: outbox }));
        return;
      }
      if (req.method === 'GET' && url.pathname === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(outboxPage(outbox));
        return;
      }
      if (req.method === 'POST' && url.pathname === '/inbound') {
        const raw = await readBody(req);
        const form = (req.headers['content-type'] ?? '').includes('json')
          ? (JSON.parse(raw) as Record<string, string>)
          : Object.fromEntries(new URLSearchParams(raw));
        if (!form.from || !form.to || form.body === undefined) {
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ message: 'from, to and body are required' }));
          return;
        }
        // `inboundMessageId` and `receivedAt` together: the same reply delivered again.
        await reply(
          form.from,
          form.to,
          form.body,
          form.inboundMessageId && form.receivedAt
            ? { inboundMessageId: form.inboundMessageId, receivedAt: form.receivedAt }
            : undefined,
        );
        if ((req.headers.accept ?? '').includes('text/html')) {
          res.writeHead(303, { location: '/' });
          res.end();
        } else {
          res.writeHead(202, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ delivered: true }));
        }
        return;
      }
      if (req.method === 'POST' && url.pathname === '/run-deferred') {
        const result = await runDeferred();
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(result));
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Not Found' }));
    } catch (error) {
      console.error('local sms:', error);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: (error as Error).message }));
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    keepIdleConnections(server).listen(options.port ?? 0, options.host, () => resolve());
  });
  const timer =
    options.deferredEveryMs && options.deferredEveryMs > 0
      ? setInterval(() => {
          runDeferred().catch((error) => console.error('local sms: deferred run failed', error));
        }, options.deferredEveryMs)
      : undefined;
  timer?.unref();

  return {
    url: `http://${options.host}:${(server.address() as AddressInfo).port}`,
    outbox,
    reply,
    runDeferred,
    close: () =>
      new Promise<void>((resolve) => {
        if (timer) clearInterval(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
