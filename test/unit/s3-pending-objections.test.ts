import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { keyOf, S3PendingObjections } from '../../shared/adapters/s3-pending-objections';
import { PendingObjectionsUnavailableError } from '../../shared/ports/pending-objections';
import { pendingCopy } from '../../shared/schemas/pending-objections';
import type { Objection } from '../../shared/schemas/recipient';

/**
 * The S3 adapter of the pending objections (R7) against a fake of S3's object semantics
 * as AWS documents them: a missing key is a 404 NoSuchKey (with s3:ListBucket), PutObject
 * with If-None-Match '*' fails 412 on an existing key, PutObject and DeleteObject with
 * If-Match fail 412 on another ETag. No S3 emulator here supports conditional writes.
 */
type Stored = { body: string; etag: string };
const s3Error = (name: string, status: number) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

function fakeS3(
  options: {
    /** Runs once, between a writer's read and its write (another writer winning the race). */
    beforeWrite?: (objects: Map<string, Stored>) => void;
    getError?: Error;
    /** Every conditional write fails, as if someone else always won. */
    alwaysConflict?: boolean;
  } = {},
) {
  const objects = new Map<string, Stored>();
  const calls: string[] = [];
  let version = 0;
  let raced = false;
  const race = () => {
    if (!raced && options.beforeWrite) {
      raced = true;
      options.beforeWrite(objects);
    }
  };
  const client = {
    send: async (command: unknown) => {
      if (command instanceof GetObjectCommand) {
        calls.push('get');
        if (options.getError) throw options.getError;
        const found = objects.get(command.input.Key!);
        if (!found) throw s3Error('NoSuchKey', 404);
        return { ETag: found.etag, Body: { transformToString: async () => found.body } };
      }
      if (command instanceof PutObjectCommand) {
        calls.push('put');
        race();
        const key = command.input.Key!;
        const current = objects.get(key);
        if (options.alwaysConflict) throw s3Error('PreconditionFailed', 412);
        if (command.input.IfNoneMatch === '*' && current) throw s3Error('PreconditionFailed', 412);
        if (command.input.IfMatch !== undefined && current?.etag !== command.input.IfMatch)
          throw s3Error('PreconditionFailed', 412);
        objects.set(key, { body: String(command.input.Body), etag: `"v${++version}"` });
        return {};
      }
      if (command instanceof DeleteObjectCommand) {
        calls.push('delete');
        race();
        const key = command.input.Key!;
        if (command.input.IfMatch !== undefined && objects.get(key)?.etag !== command.input.IfMatch)
          throw s3Error('PreconditionFailed', 412);
        objects.delete(key);
        return {};
      }
      throw new Error('unexpected command');
    },
  };
  return { client: client as unknown as S3Client, objects, calls };
}

const target = { tenant: 'demo', recipientKey: 'k'.repeat(43) };
const objection = (purpose: string): Objection => ({
  id: `msg-m1-${purpose}`,
  scope: { type: 'purpose', purpose },
  at: '2026-12-01T10:00:00.000Z',
  method: 'one_click',
  messageId: 'm1',
  source: 'unsubscribe link',
  ip: '203.0.113.7',
  userAgent: 'Mozilla/5.0',
  recordedAt: '2026-12-01T10:00:00.000Z',
});

describe('S3 pending objections (R7)', () => {
  it('reads a missing object (the normal case) as none pending', async () => {
    const s3 = fakeS3();
    expect(await new S3PendingObjections(s3.client, 'b').list(target)).toEqual([]);
    expect(s3.calls).toEqual(['get']);
  });

  it('keeps two objections of one person, once each, without the proof’s IP address and user agent', async () => {
    const s3 = fakeS3();
    const pending = new S3PendingObjections(s3.client, 'b');
    await pending.add(target, objection('newsletter'));
    await pending.add(target, objection('pro-software'));
    await pending.add(target, objection('newsletter'));
    const listed = await pending.list(target);
    expect(listed.map((o) => o.id)).toEqual(['msg-m1-newsletter', 'msg-m1-pro-software']);
    expect(s3.calls.filter((c) => c === 'put')).toHaveLength(2);
    const stored = s3.objects.get(keyOf(target))!.body;
    expect(stored).not.toContain('203.0.113.7');
    expect(stored).not.toContain('Mozilla');
    expect(keyOf(target)).toBe(`pending/demo/${'k'.repeat(43)}.json`);
  });

  it('reads again and redoes the change when another writer won the race (412)', async () => {
    const other = JSON.stringify({
      version: 1,
      objections: [pendingCopy(objection('pro-software'))],
    });
    const s3 = fakeS3({
      beforeWrite: (objects) => objects.set(keyOf(target), { body: other, etag: '"theirs"' }),
    });
    const pending = new S3PendingObjections(s3.client, 'b');
    await pending.add(target, objection('newsletter'));
    expect((await pending.list(target)).map((o) => o.id).sort()).toEqual([
      'msg-m1-newsletter',
      'msg-m1-pro-software',
    ]);
    expect(s3.calls).toEqual(['get', 'put', 'get', 'put', 'get']);
  });

  it('deletes the object, under If-Match, when its last objection is removed; removing again is a no-op', async () => {
    const s3 = fakeS3();
    const pending = new S3PendingObjections(s3.client, 'b');
    await pending.add(target, objection('newsletter'));
    await pending.add(target, objection('pro-software'));
    await pending.remove(target, 'msg-m1-newsletter');
    expect((await pending.list(target)).map((o) => o.id)).toEqual(['msg-m1-pro-software']);
    await pending.remove(target, 'msg-m1-pro-software');
    expect(s3.objects.size).toBe(0);
    const before = s3.calls.length;
    await pending.remove(target, 'msg-m1-pro-software');
    expect(s3.calls.slice(before)).toEqual(['get']);
  });

  it('does not remove an objection added meanwhile: the conditional delete fails, the change is redone', async () => {
    const s3 = fakeS3({
      beforeWrite: (objects) => {
        const current = JSON.parse(objects.get(keyOf(target))!.body) as { objections: unknown[] };
        objects.set(keyOf(target), {
          body: JSON.stringify({
            ...current,
            objections: [...current.objections, pendingCopy(objection('pro-software'))],
          }),
          etag: '"theirs"',
        });
      },
    });
    const pending = new S3PendingObjections(s3.client, 'b');
    s3.objects.set(keyOf(target), {
      body: JSON.stringify({ version: 1, objections: [pendingCopy(objection('newsletter'))] }),
      etag: '"mine"',
    });
    await pending.remove(target, 'msg-m1-newsletter');
    expect((await pending.list(target)).map((o) => o.id)).toEqual(['msg-m1-pro-software']);
  });

  it.each([
    ['S3 slowing down (503)', s3Error('SlowDown', 503)],
    ['access denied (403: a missing grant, never read as "none pending")', s3Error('AccessDenied', 403)],
    ['a timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
  ])('fails closed on %s', async (_, error) => {
    const pending = new S3PendingObjections(fakeS3({ getError: error }).client, 'b');
    await expect(pending.list(target)).rejects.toBeInstanceOf(PendingObjectionsUnavailableError);
    await expect(pending.add(target, objection('newsletter'))).rejects.toBeInstanceOf(
      PendingObjectionsUnavailableError,
    );
  });

  it('fails closed on a document that does not parse', async () => {
    for (const body of ['not json', JSON.stringify({ version: 2, objections: [] }), '{"version":1}']) {
      const s3 = fakeS3();
      s3.objects.set(keyOf(target), { body, etag: '"x"' });
      await expect(new S3PendingObjections(s3.client, 'b').list(target), body).rejects.toBeInstanceOf(
        PendingObjectionsUnavailableError,
      );
    }
  });

  it('gives up, unavailable, when the object keeps changing (5 attempts)', async () => {
    const s3 = fakeS3({ alwaysConflict: true });
    await expect(
      new S3PendingObjections(s3.client, 'b').add(target, objection('newsletter')),
    ).rejects.toBeInstanceOf(PendingObjectionsUnavailableError);
    expect(s3.calls.filter((c) => c === 'put')).toHaveLength(5);
  });
});
