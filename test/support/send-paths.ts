import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { LocalGateway } from './local-gateway';

/**
 * The three ways a sender can reach the gate: `POST /v1/messages`, the
 * bulk queue (the local runner's in-process SQS and the real BulkSend handler) and the SES
 * v2 endpoint (the real @aws-sdk/client-sesv2 pointed at the gateway). Each answers one
 * outcome and the reason codes, so that a test can ask the three the same question.
 */
export type SendPath = 'http' | 'bulk' | 'ses';
export const SEND_PATHS: readonly SendPath[] = ['http', 'bulk', 'ses'];

export interface PathOutcome {
  readonly outcome: 'sent' | 'rejected' | 'other';
  readonly reasons: readonly string[];
}

export interface SendPaths {
  send(path: SendPath, to: string, purpose?: string): Promise<PathOutcome>;
  /** How many messages the local SES holds for `to`. */
  delivered(to: string): Promise<number>;
  close(): void;
}

export async function sendPaths(gw: LocalGateway): Promise<SendPaths> {
  const r = await gw.call('POST', '/v1/credentials', { key: gw.adminKey, body: { label: 'send paths' } });
  if (r.status !== 201) throw new Error(`credentials: ${r.status} ${r.text}`);
  const ses = new SESv2Client({
    endpoint: gw.apiUrl,
    region: 'eu-west-3',
    credentials: { accessKeyId: r.body.accessKeyId, secretAccessKey: r.body.secretAccessKey },
    maxAttempts: 1,
  });
  const message = (to: string, purpose: string) => ({
    channel: 'email',
    purpose,
    to,
    from: 'Demo Shop <news@shop.example>',
    subject: 'Our autumn reading list',
    html: '<html><body><p>Ten novels for long evenings.</p></body></html>',
    text: 'Ten novels for long evenings.',
  });
  return {
    async send(path, to, purpose = 'newsletter') {
      if (path === 'http') {
        const s = await gw.call('POST', '/v1/messages', { key: gw.senderKey, body: message(to, purpose) });
        if (s.status === 202) return { outcome: 'sent', reasons: [] };
        if (s.status === 403) return { outcome: 'rejected', reasons: s.body.reasons };
        return { outcome: 'other', reasons: [`${s.status}`] };
      }
      if (path === 'bulk') {
        const q = await gw.call('POST', '/local/bulk-queue/messages', {
          key: gw.senderKey,
          body: [message(to, purpose)],
        });
        if (q.status !== 202) return { outcome: 'other', reasons: [`${q.status}`] };
        const id = q.body.messageIds[0] as string;
        const status = (await gw.call('GET', '/local/bulk-queue?wait')).body as {
          events: { detail: Record<string, unknown> }[];
        };
        const event = status.events.find((e) => e.detail.sqsMessageId === id);
        const outcome = event?.detail.outcome ?? event?.detail.decision;
        if (outcome === 'sent') return { outcome: 'sent', reasons: [] };
        if (outcome === 'rejected')
          return { outcome: 'rejected', reasons: event?.detail.reasons as string[] };
        return { outcome: 'other', reasons: [String(outcome)] };
      }
      try {
        await ses.send(
          new SendEmailCommand({
            FromEmailAddress: 'Demo Shop <news@shop.example>',
            Destination: { ToAddresses: [to] },
            EmailTags: [{ Name: 'purpose', Value: purpose }],
            Content: {
              Simple: {
                Subject: { Data: 'Autumn books' },
                Body: { Html: { Data: '<p>Ten novels.</p>' }, Text: { Data: 'Ten novels.' } },
              },
            },
          }),
        );
        return { outcome: 'sent', reasons: [] };
      } catch (error) {
        const e = error as Error;
        if (e.name !== 'MessageRejected') return { outcome: 'other', reasons: [e.name] };
        // "to: reason (Rn), reason (Rn)" — the reason codes, in the order the gate gave them.
        const reasons = [...e.message.matchAll(/([a-z_]+) \(R\d+\)/g)].map((m) => m[1]!);
        return { outcome: 'rejected', reasons };
      }
    },
    async delivered(to) {
      const needle = to.toLowerCase();
      return (await gw.sentEmails()).filter((e) => e.destination.to.some((t) => t.toLowerCase() === needle))
        .length;
    },
    close() {
      ses.destroy();
    },
  };
}
