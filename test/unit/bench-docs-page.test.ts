import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LATEST_RUN_END, LATEST_RUN_START, replaceLatestRun } from '../../scripts/bench/docs-page';

/** The full bench rewrites only the generated part of docs/performance.md. No timing. */
describe('bench performance page writer', () => {
  const page = readFileSync(new URL('../../docs/performance.md', import.meta.url), 'utf8');

  it('finds each marker once on the performance page, the start before the end', () => {
    expect(page.split(LATEST_RUN_START)).toHaveLength(2);
    expect(page.split(LATEST_RUN_END)).toHaveLength(2);
    expect(page.indexOf(LATEST_RUN_START)).toBeLessThan(page.indexOf(LATEST_RUN_END));
  });

  it('replaces what lies between the markers and nothing else, the same way twice', () => {
    const once = replaceLatestRun(page, 'figures of run A');
    const [before] = page.split(LATEST_RUN_START);
    const [, after] = page.split(LATEST_RUN_END);
    expect(once.startsWith(`${before}${LATEST_RUN_START}`)).toBe(true);
    expect(once.endsWith(`${LATEST_RUN_END}${after}`)).toBe(true);
    expect(once).toContain(`${LATEST_RUN_START}\n\nfigures of run A\n\n${LATEST_RUN_END}`);
    const twice = replaceLatestRun(once, 'figures of run B');
    expect(twice).not.toContain('run A');
    expect(replaceLatestRun(twice, 'figures of run A')).toBe(once);
  });

  it('refuses a page without the markers, with one twice, or with them out of order', () => {
    expect(() => replaceLatestRun('# Performance\n', 'x')).toThrow(/exactly once/);
    expect(() => replaceLatestRun(`${LATEST_RUN_START}${LATEST_RUN_START}${LATEST_RUN_END}`, 'x')).toThrow(
      /exactly once/,
    );
    expect(() => replaceLatestRun(`${LATEST_RUN_END}\n${LATEST_RUN_START}`, 'x')).toThrow(/before its start/);
  });
});
