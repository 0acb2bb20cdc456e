import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
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

/**
 * The pending objections of the local runner (R7): one file per tenant and recipient key
 * under the data folder, written to a temporary name, flushed, then renamed, so a reader
 * sees the old document or the new one, never half of one, and a restart of `npm start`
 * keeps them. Writes to one file are serialised in the process (the local runner is one
 * process); S3's conditional writes play that part in AWS (s3-pending-objections.ts).
 */
export class DiskPendingObjections implements PendingObjections {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(private readonly dir: string) {}

  private fileOf(target: PendingObjectionTarget): string {
    return join(
      this.dir,
      encodeURIComponent(target.tenant),
      `${encodeURIComponent(target.recipientKey)}.json`,
    );
  }

  async list(target: PendingObjectionTarget): Promise<Objection[]> {
    return (await this.read(this.fileOf(target))).objections;
  }

  add(target: PendingObjectionTarget, objection: Objection): Promise<void> {
    return this.update(target, (objections) => withPending(objections, objection));
  }

  remove(target: PendingObjectionTarget, objectionId: string): Promise<void> {
    return this.update(target, (objections) => withoutPending(objections, objectionId));
  }

  private async read(file: string): Promise<PendingObjectionsDocument> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, objections: [] };
      throw unavailable('read', error);
    }
    const parsed = pendingObjectionsDocumentSchema.safeParse(safeJson(text));
    if (!parsed.success) throw unavailable('read', parsed.error);
    return parsed.data;
  }

  private update(
    target: PendingObjectionTarget,
    /** The new list, or undefined when there is nothing to write. */
    change: (
      objections: PendingObjectionsDocument['objections'],
    ) => PendingObjectionsDocument['objections'] | undefined,
  ): Promise<void> {
    const file = this.fileOf(target);
    const previous = this.locks.get(file) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        const current = await this.read(file);
        const objections = change(current.objections);
        if (objections === undefined) return;
        try {
          if (objections.length === 0) {
            await unlink(file).catch((error: NodeJS.ErrnoException) => {
              if (error.code !== 'ENOENT') throw error;
            });
            return;
          }
          await writeAtomically(
            file,
            JSON.stringify({ version: 1, objections } satisfies PendingObjectionsDocument),
          );
        } catch (error) {
          throw unavailable('written', error);
        }
      });
    this.locks.set(file, next);
    void next
      .finally(() => {
        if (this.locks.get(file) === next) this.locks.delete(file);
      })
      .catch(() => undefined);
    return next;
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = join(dirname(file), `.${randomUUID()}.tmp`);
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function unavailable(what: 'read' | 'written', cause: unknown): PendingObjectionsUnavailableError {
  const code = (cause as NodeJS.ErrnoException).code;
  return new PendingObjectionsUnavailableError(
    `The local pending objections could not be ${what}${code ? ` (${code})` : ''}`,
    { cause },
  );
}
