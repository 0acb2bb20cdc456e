import { randomUUID } from 'node:crypto';
import { mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { type ObjectionQueue, ObjectionQueueUnavailableError } from '../ports/objection-queue';
import type { QueuedObjection } from '../schemas/queued-objection';

/**
 * The objection queue of the local runner: one file per message in a folder under the data
 * directory, written to a temporary name, flushed to disk, then renamed, so a message is
 * either whole or absent and survives a restart of `npm start`. The runner's consumer
 * (infra/local/disk-queue.ts) reads the folder and hands the messages to the real handler.
 */
export class DiskObjectionQueue implements ObjectionQueue {
  constructor(private readonly dir: string) {}

  async enqueue(objection: QueuedObjection): Promise<void> {
    const id = `${Date.now().toString().padStart(15, '0')}-${randomUUID()}`;
    try {
      await mkdir(this.dir, { recursive: true });
      const temporary = join(this.dir, `.${id}.tmp`);
      const file = await open(temporary, 'wx', 0o600);
      try {
        await file.writeFile(JSON.stringify({ messageId: id, body: JSON.stringify(objection) }));
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temporary, join(this.dir, `${id}.json`));
    } catch (error) {
      throw new ObjectionQueueUnavailableError(
        `The local objection queue could not be written (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
        { cause: error },
      );
    }
  }
}
