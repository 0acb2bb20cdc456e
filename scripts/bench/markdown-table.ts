/** A GitHub-flavoured markdown table; numeric-looking columns are right-aligned. */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const escapeCell = (cell: string) => cell.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const numeric = headers.map(
    (_, i) =>
      rows.length > 0 &&
      rows.every((r) => (r[i] ?? '') === '' || /^[-+~≈×$]?[\d,.]+( ?[%×a-zA-Z/µ]+)?$/.test(r[i] ?? '')),
  );
  const line = (cells: readonly string[]) => `| ${cells.map(escapeCell).join(' | ')} |`;
  const rule = `|${numeric.map((right) => (right ? ' ---: ' : ' --- ')).join('|')}|`;
  for (const row of rows) {
    if (row.length !== headers.length) {
      throw new Error(`a row has ${row.length} cells for ${headers.length} headers: ${row.join(', ')}`);
    }
  }
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

/** 12345.6 → "12,346"; small numbers keep `digits` significant decimals. */
export function formatNumber(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const fractionDigits = abs >= 100 ? 0 : abs >= 10 ? Math.min(1, digits) : digits;
  return value.toLocaleString('en-US', { maximumFractionDigits: fractionDigits, minimumFractionDigits: 0 });
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

export function formatMs(ms: number): string {
  return ms >= 100 ? `${Math.round(ms)} ms` : `${ms.toFixed(ms >= 10 ? 1 : 2)} ms`;
}

export function formatUsd(usd: number): string {
  return usd >= 100 ? `$${Math.round(usd).toLocaleString('en-US')}` : `$${usd.toFixed(usd >= 1 ? 2 : 4)}`;
}
