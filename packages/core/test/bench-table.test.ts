import { expect, it } from 'vitest';
import { formatRatioTable } from '../src/index.js';

it('prints aligned rows with ratios against the baseline', () => {
  const table = formatRatioTable(
    'throughput',
    [
      { name: 'stunnel pair', value: 4.5, unit: 'Gbit/s' },
      { name: 'hbone', value: 5.4, unit: 'Gbit/s' },
    ],
    'stunnel pair',
  );
  expect(table.split('\n')).toEqual([
    '## throughput',
    'what          value  unit    × stunnel pair',
    '------------  -----  ------  --------------',
    'stunnel pair   4.50  Gbit/s           1.00×',
    'hbone          5.40  Gbit/s           1.20×',
  ]);
});
