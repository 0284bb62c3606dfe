// A small parser of the Prometheus text exposition format (0.0.4), written for these tests so they check the scrape
// as Prometheus would read it rather than by substring.
export interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly labelOrder: readonly string[];
  readonly value: number;
}
export interface Exposition {
  readonly help: ReadonlyMap<string, string>;
  readonly types: ReadonlyMap<string, string>;
  readonly samples: readonly Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*/;

export function parseExposition(text: string): Exposition {
  const help = new Map<string, string>();
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  text.split('\n').forEach((line, index) => {
    const fail = (why: string): never => {
      throw new Error(`line ${index + 1}: ${why}: ${JSON.stringify(line)}`);
    };
    if (line.trim() === '') return;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name = '', rest = ''] = meta;
      if (kind === 'HELP') help.set(name, rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\'));
      else if (['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) types.set(name, rest);
      else fail(`unknown type ${rest}`);
      return;
    }
    if (line.startsWith('#')) return;
    const name = NAME.exec(line)?.[0] ?? fail('no metric name');
    let rest = line.slice(name.length);
    const labels: Record<string, string> = {};
    const labelOrder: string[] = [];
    if (rest.startsWith('{')) {
      rest = rest.slice(1);
      while (!rest.startsWith('}')) {
        const label = LABEL.exec(rest)?.[0] ?? fail('bad label name');
        rest = rest.slice(label.length);
        if (!rest.startsWith('="')) fail(`label ${label} without ="`);
        rest = rest.slice(2);
        let value = '';
        for (;;) {
          const c = rest[0] ?? fail(`unterminated value of ${label}`);
          rest = rest.slice(1);
          if (c === '"') break;
          if (c !== '\\') {
            value += c;
            continue;
          }
          const e = rest[0] ?? fail('dangling escape');
          rest = rest.slice(1);
          value += e === 'n' ? '\n' : e === '\\' || e === '"' ? e : fail(`bad escape \\${e}`);
        }
        if (label in labels) fail(`duplicate label ${label}`);
        labels[label] = value;
        labelOrder.push(label);
        if (rest.startsWith(',')) rest = rest.slice(1);
        else if (!rest.startsWith('}')) fail('expected , or }');
      }
      rest = rest.slice(1);
    }
    const fields = rest.trim().split(/\s+/);
    if (!rest.startsWith(' ') || fields.length < 1 || fields.length > 2) fail('expected " value [timestamp]"');
    const raw = fields[0] ?? '';
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    if (raw === '' || (Number.isNaN(value) && raw !== 'NaN')) fail(`bad value ${raw}`);
    samples.push({ name, labels, labelOrder, value });
  });
  return { help, types, samples };
}

/** The one sample of `name` whose labels include `match`; throws when there is not exactly one. */
export function sampleOf(exposition: Exposition, name: string, match: Record<string, string> = {}): Sample {
  const found = exposition.samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
  if (found.length !== 1) throw new Error(`expected one ${name} sample matching ${JSON.stringify(match)}, found ${found.length}`);
  return found[0] as Sample;
}
