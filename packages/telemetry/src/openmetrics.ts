// OpenMetrics 1.0 for scrapers that ask for it by `Accept` (Prometheus does, ahead of the text format), as Istio's
// ztunnel serves /metrics: which format a request prefers, and the exporter's Prometheus text turned into OpenMetrics.
// The differences that matter here: a counter's family is named without `_total` (its samples keep it), HELP escapes
// double quotes too, and the exposition ends with `# EOF`. Pure: no sockets, no clock.

export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
export const PROMETHEUS_TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * Whether an `Accept` header prefers OpenMetrics to the Prometheus text format: its best quality for
 * `application/openmetrics-text` is above zero and above the best for `text/plain` (`text/*`, `*\/*` included).
 * Without the header, or with one that does not parse, the answer is the text format, which every scraper reads.
 */
export function prefersOpenMetrics(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  let openMetrics = 0;
  let text = 0;
  for (const range of accept.split(',')) {
    const [type = '', ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    const q = quality(params);
    if (q === undefined) continue;
    if (type === 'application/openmetrics-text') openMetrics = Math.max(openMetrics, q);
    else if (type === 'text/plain' || type === 'text/*' || type === '*/*') text = Math.max(text, q);
  }
  return openMetrics > 0 && openMetrics > text;
}

/** A media range's `q` (1 when absent); undefined when it is not a number from 0 to 1 (the range is ignored). */
function quality(params: readonly string[]): number | undefined {
  const q = params.find((p) => p.startsWith('q='));
  if (q === undefined) return 1;
  const value = q.slice(2);
  if (!/^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(value)) return undefined;
  return Number(value);
}

interface Family {
  readonly name: string;
  type: string;
  help?: string;
  readonly samples: string[];
}

/**
 * The same metrics in OpenMetrics text. `text` is Prometheus text exposition 0.0.4 as the OpenTelemetry exporter
 * writes it: each family's HELP and TYPE before its samples, samples without timestamps.
 */
export function toOpenMetrics(text: string): string {
  const families: Family[] = [];
  const byName = new Map<string, Family>();
  const family = (name: string): Family => {
    let f = byName.get(name);
    if (f === undefined) {
      f = { name, type: 'unknown', samples: [] };
      byName.set(name, f);
      families.push(f);
    }
    return f;
  };
  let current: Family | undefined;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name = '', rest = ''] = meta;
      current = family(name);
      if (kind === 'HELP') current.help = rest;
      else current.type = rest === 'untyped' ? 'unknown' : rest;
    } else if (!line.startsWith('#')) {
      const name = /^[^{\s]+/.exec(line)?.[0] ?? '';
      (current !== undefined && name.startsWith(current.name) ? current : family(name)).samples.push(line);
    }
  }
  const out: string[] = [];
  for (const f of families) {
    const counter = f.type === 'counter';
    const name = counter && f.name.endsWith('_total') ? f.name.slice(0, -'_total'.length) : f.name;
    if (f.help !== undefined) out.push(`# HELP ${name} ${f.help.replaceAll('"', '\\"')}`);
    out.push(`# TYPE ${name} ${f.type}`);
    for (const sample of f.samples) out.push(counter && !f.name.endsWith('_total') ? sample.replace(f.name, `${f.name}_total`) : sample);
  }
  out.push('# EOF');
  return `${out.join('\n')}\n`;
}
