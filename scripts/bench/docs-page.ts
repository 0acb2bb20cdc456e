import { readFileSync, writeFileSync } from 'node:fs';

/**
 * docs/performance.md's "What the latest run shows" is written by the last full
 * `npm run bench`, between these two comments; the rest of the page is prose kept by hand.
 */
export const LATEST_RUN_START =
  '<!-- bench:latest-run:start — written by `npm run bench` (full run); edits between the markers are overwritten -->';
export const LATEST_RUN_END = '<!-- bench:latest-run:end -->';

const count = (text: string, marker: string) => text.split(marker).length - 1;

/** The page with what lies between the markers replaced by `content`; throws unless each marker is there once, in order. */
export function replaceLatestRun(page: string, content: string): string {
  if (count(page, LATEST_RUN_START) !== 1 || count(page, LATEST_RUN_END) !== 1)
    throw new Error('the performance page must hold each bench:latest-run marker exactly once');
  const start = page.indexOf(LATEST_RUN_START) + LATEST_RUN_START.length;
  const end = page.indexOf(LATEST_RUN_END);
  if (end < start) throw new Error('the bench:latest-run end marker comes before its start');
  return `${page.slice(0, start)}\n\n${content.trim()}\n\n${page.slice(end)}`;
}

export function writeLatestRun(file: string, content: string): void {
  writeFileSync(file, replaceLatestRun(readFileSync(file, 'utf8'), content));
}
