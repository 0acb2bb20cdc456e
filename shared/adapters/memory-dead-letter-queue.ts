import { randomUUID } from 'node:crypto';
import type { DeadLetter, DeadLetterQueue } from '../ports/dead-letter-queue';

/**
 * A dead-letter queue in memory, with SQS's contract as the redrive relies on it: a received
 * message is in flight (not received again) until it is deleted or `release()` makes it
 * visible again, as SQS does when its visibility timeout passes.
 */
export class MemoryDeadLetterQueue implements DeadLetterQueue {
  private readonly messages: DeadLetter[] = [];
  private readonly inFlight = new Set<string>();

  send(body: string): string {
    const id = randomUUID();
    this.messages.push({ id, handle: `handle-${id}`, body });
    return id;
  }

  /** The messages still in the queue, in flight or not. */
  get bodies(): string[] {
    return this.messages.map((m) => m.body);
  }

  /** The visibility timeout passed: messages received and not deleted may be received again. */
  release(): void {
    this.inFlight.clear();
  }

  async receive(max: number): Promise<DeadLetter[]> {
    const visible = this.messages.filter((m) => !this.inFlight.has(m.id)).slice(0, Math.min(10, max));
    for (const m of visible) this.inFlight.add(m.id);
    return visible;
  }

  async delete(letter: DeadLetter): Promise<void> {
    const index = this.messages.findIndex((m) => m.handle === letter.handle);
    if (index >= 0) this.messages.splice(index, 1);
    this.inFlight.delete(letter.id);
  }
}
