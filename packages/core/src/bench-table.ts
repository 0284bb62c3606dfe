// The bench convention: every benchmark measures a baseline in the same run and prints ratios against it,
// because absolute numbers on a shared 2-core machine mean little.

export interface BenchRow {
  /** What was measured, e.g. 'hbone tunnel'. */
  readonly name: string;
  /** The measured value, e.g. 3.91. */
  readonly value: number;
  /** Unit of value, e.g. 'Gbit/s' or 'ops/s'. */
  readonly unit: string;
  /** True when smaller values are better (latency, CPU-s/GB). */
  readonly lowerIsBetter?: boolean;
}

/** Formats rows as an aligned table with a `× <baseline>` column. The baseline is the first row unless named. */
export function formatRatioTable(title: string, rows: readonly BenchRow[], baseline?: string): string {
  const base = rows.find((r) => r.name === baseline) ?? rows[0];
  const cells = rows.map((r) => [
    r.name,
    formatNumber(r.value),
    r.unit,
    base && base.value !== 0 ? `${(r.value / base.value).toFixed(2)}×` : '-',
  ]);
  const header = ['what', 'value', 'unit', `× ${base?.name ?? '-'}`];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]) =>
    c.map((v, i) => (i === 1 || i === 3 ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0))).join('  ');
  return [`## ${title}`, line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

function formatNumber(value: number): string {
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return value.toPrecision(3);
}
