// `ztunnel-config certificates`: one row per certificate of each identity — the leaf, intermediates, roots — with
// whether it is valid now, as istioctl prints them; an identity without a certificate yet gets one NA row.
import { section, str, type ConfigDump, type Entry } from './dump.js';
import type { Table } from './table.js';

export const CERTIFICATE_HEADERS = ['CERTIFICATE NAME', 'TYPE', 'STATUS', 'VALID CERT', 'SERIAL NUMBER', 'NOT AFTER', 'NOT BEFORE'] as const;

export function certificateTable(dumps: readonly ConfigDump[], now: Date): Table {
  const rows: string[][] = [];
  for (const dump of dumps) {
    for (const cert of section(dump, 'certificates')) {
      const identity = str(cert, 'identity');
      const state = str(cert, 'state').includes('Unavailable') ? 'Unavailable' : str(cert, 'state');
      const chain = list(cert, 'certChain');
      const roots = list(cert, 'rootCerts');
      if (chain.length === 0) {
        rows.push([identity, 'NA', state, 'false', 'NA', 'NA', 'NA']);
        continue;
      }
      // Dumps without rootCerts carried the root at the end of the chain.
      const legacy = roots.length === 0;
      chain.forEach((c, i) => rows.push(row(identity, i === 0 ? 'Leaf' : legacy && i === chain.length - 1 ? 'Root' : 'Intermediate', state, c, now)));
      for (const c of roots) rows.push(row(identity, 'Root', state, c, now));
    }
  }
  return { headers: CERTIFICATE_HEADERS, rows };
}

/** The certificates sections of every dump, in order (what `-o json` prints). */
export function selectCertificates(dumps: readonly ConfigDump[]): Entry[] {
  return dumps.flatMap((d) => section(d, 'certificates'));
}

function row(identity: string, type: string, state: string, cert: Entry, now: Date): string[] {
  const notAfter = str(cert, 'expirationTime');
  const notBefore = str(cert, 'validFrom');
  return [identity, type, state, String(valid(notBefore, notAfter, now)), serial(str(cert, 'serialNumber')), notAfter || 'NA', notBefore || 'NA'];
}

function valid(from: string, to: string, now: Date): boolean {
  const start = Date.parse(from);
  const end = Date.parse(to);
  return Number.isFinite(start) && Number.isFinite(end) && now.getTime() > start && now.getTime() < end;
}

/** Our ztunnel dumps the serial in hex already; printed as istioctl prints it: lower case, no leading zeros. */
function serial(value: string): string {
  if (value === '') return 'NA';
  return value.toLowerCase().replace(/^0+(?=.)/, '');
}

function list(entry: Entry, key: string): Entry[] {
  const value = entry[key];
  return Array.isArray(value) ? value.filter((c): c is Entry => typeof c === 'object' && c !== null && !Array.isArray(c)) : [];
}
