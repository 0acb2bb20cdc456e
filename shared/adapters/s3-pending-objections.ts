import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  type PendingObjections,
  PendingObjectionsUnavailableError,
  type PendingObjectionTarget,
} from '../ports/pending-objections';
import {
  type PendingObjectionsDocument,
  pendingObjectionsDocumentSchema,
  withoutPending,
  withPending,
} from '../schemas/pending-objections';
import type { Objection } from '../schemas/recipient';

/** Tries of one read-modify-write when other writers change the same object meanwhile. */
const MAX_WRITE_ATTEMPTS = 5;

/**
 * The pending objections in AWS (R7): one S3 object per tenant and recipient key,
 * `pending/<tenant>/<recipientKey>.json` (SSE-S3, TLS only; infra/gateway.ts). A decision
 * GETs it: a 404 normally (the function holds s3:ListBucket, without which S3 answers a
 * missing key with 403). Writes are read-modify-write under S3's conditional requests
 * (If-None-Match on create, If-Match on the ETag read), so two objections of one person
 * accepted at once both stay; a 412 or 409 means another writer won, and the document is
 * read again. An emptied document is deleted, under If-Match too.
 */
export class S3PendingObjections implements PendingObjections {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async list(target: PendingObjectionTarget): Promise<Objection[]> {
    return (await this.read(keyOf(target))).document.objections;
  }

  add(target: PendingObjectionTarget, objection: Objection): Promise<void> {
    return this.update(target, (objections) => withPending(objections, objection));
  }

  remove(target: PendingObjectionTarget, objectionId: string): Promise<void> {
    return this.update(target, (objections) => withoutPending(objections, objectionId));
  }

  private async read(key: string): Promise<{ document: PendingObjectionsDocument; etag?: string }> {
    let text: string;
    let etag: string | undefined;
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      text = (await out.Body?.transformToString('utf8')) ?? '';
      etag = out.ETag;
    } catch (error) {
      if (statusOf(error) === 404) return { document: { version: 1, objections: [] } };
      throw unavailable('S3 did not answer the read', error);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw unavailable('the pending objections document is not JSON', error);
    }
    const parsed = pendingObjectionsDocumentSchema.safeParse(json);
    if (!parsed.success) throw unavailable('the pending objections document does not parse', parsed.error);
    return { document: parsed.data, ...(etag ? { etag } : {}) };
  }

  /** `change` answers the new list, or undefined when there is nothing to write. */
  private async update(
    target: PendingObjectionTarget,
    change: (
      objections: PendingObjectionsDocument['objections'],
    ) => PendingObjectionsDocument['objections'] | undefined,
  ): Promise<void> {
    const key = keyOf(target);
    for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
      const { document, etag } = await this.read(key);
      const objections = change(document.objections);
      if (objections === undefined) return;
      try {
        if (objections.length === 0) {
          await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key, IfMatch: etag }));
        } else {
          await this.client.send(
            new PutObjectCommand({
              Bucket: this.bucket,
              Key: key,
              Body: JSON.stringify({ version: 1, objections } satisfies PendingObjectionsDocument),
              ContentType: 'application/json',
              ...(etag === undefined ? { IfNoneMatch: '*' } : { IfMatch: etag }),
            }),
          );
        }
        return;
      } catch (error) {
        const status = statusOf(error);
        // 412: the object changed (or appeared) since it was read; 409: a concurrent
        // conditional write; 404: deleted meanwhile. Read again and redo the change.
        if (status === 412 || status === 409 || status === 404) continue;
        throw unavailable('S3 did not take the write', error);
      }
    }
    throw unavailable(`the document kept changing (${MAX_WRITE_ATTEMPTS} attempts)`, undefined);
  }
}

export function keyOf(target: PendingObjectionTarget): string {
  return `pending/${encodeURIComponent(target.tenant)}/${encodeURIComponent(target.recipientKey)}.json`;
}

function statusOf(error: unknown): number | undefined {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (e.name === 'NoSuchKey' || e.name === 'NotFound') return 404;
  return e.$metadata?.httpStatusCode;
}

function unavailable(why: string, cause: unknown): PendingObjectionsUnavailableError {
  const name = (cause as Error | undefined)?.name;
  return new PendingObjectionsUnavailableError(
    `Pending objections unavailable: ${why}${name ? ` (${name})` : ''}`,
    {
      cause,
    },
  );
}
