/** One message of a dead-letter queue: `handle` deletes it (an SQS receipt handle). */
export interface DeadLetter {
  readonly id: string;
  readonly handle: string;
  readonly body: string;
}

/**
 * A dead-letter queue as the redrive reads it (scripts/redrive.ts): SQS in AWS (the feedback
 * functions' on-failure destinations and SNS subscription DLQs, infra/gateway.ts), in memory
 * in tests. A received message stays hidden from other readers for a while and comes back
 * unless it is deleted: the redrive deletes a message only once its event is recorded.
 */
export interface DeadLetterQueue {
  /** At most `max` (1–10) messages; none when the queue is empty (or all are in flight). */
  receive(max: number): Promise<DeadLetter[]>;
  delete(letter: DeadLetter): Promise<void>;
}
