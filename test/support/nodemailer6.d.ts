/**
 * nodemailer 6, installed under the alias `nodemailer6` (the current `nodemailer` is v10, whose
 * types @types/nodemailer describes): the few parts the SES v1 tests call. Its SES transport
 * takes an SDK v3 SES v1 client and the command class to send raw mail with.
 */
declare module 'nodemailer6' {
  import type { SESClient, SendRawEmailCommand, SendRawEmailCommandInput } from '@aws-sdk/client-ses';

  interface SentInfo {
    readonly envelope: { readonly from: string; readonly to: readonly string[] };
    readonly messageId: string;
    readonly response: string;
    readonly raw: Buffer;
  }
  interface Mail {
    readonly from?: string;
    readonly to?: string | readonly string[];
    readonly cc?: string | readonly string[];
    readonly subject?: string;
    readonly text?: string;
    readonly html?: string;
    /** Merged into the SendRawEmail input. */
    readonly ses?: Partial<SendRawEmailCommandInput>;
  }
  interface Transporter {
    verify(): Promise<true>;
    sendMail(mail: Mail): Promise<SentInfo>;
    close(): void;
  }
  function createTransport(options: {
    SES: { ses: SESClient; aws: { SendRawEmailCommand: typeof SendRawEmailCommand } };
  }): Transporter;
  const nodemailer: { createTransport: typeof createTransport };
  export default nodemailer;
}
