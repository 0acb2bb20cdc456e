import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileCheckpoints, memoryCheckpoints } from '../../infra/local/stream-poller';

/** The local stream poller's checkpoint: what `npm start` resumes after. */
describe('stream poller checkpoints', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const file = () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-checkpoint-'));
    dirs.push(dir);
    return join(dir, 'event-stream.json');
  };

  it('a file keeps the last sequence number per shard across instances (a restart)', () => {
    const path = file();
    expect(fileCheckpoints(path, () => 'arn:stream/1').load()).toEqual({});
    fileCheckpoints(path, () => 'arn:stream/1').save({ 'shard-a': '000000000000000000042' });
    expect(fileCheckpoints(path, () => 'arn:stream/1').load()).toEqual({
      'shard-a': '000000000000000000042',
    });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
      streamArn: 'arn:stream/1',
      shards: { 'shard-a': '000000000000000000042' },
    });
  });

  it("ignores another stream's checkpoint (a table made again): its numbers mean nothing there", () => {
    const path = file();
    fileCheckpoints(path, () => 'arn:stream/1').save({ 'shard-a': '000000000000000000042' });
    expect(fileCheckpoints(path, () => 'arn:stream/2').load()).toEqual({});
  });

  it('in memory, a copy is kept: later changes of the caller do not move it', () => {
    const checkpoints = memoryCheckpoints();
    const shards = { 'shard-a': '1' };
    checkpoints.save(shards);
    shards['shard-a'] = '2';
    expect(checkpoints.load()).toEqual({ 'shard-a': '1' });
  });
});
