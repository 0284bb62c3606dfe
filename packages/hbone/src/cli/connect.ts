// `hbone connect`: one tunnel, stdin → tunnel → stdout, with half-close; failures exit non-zero with a reason.
import { HboneClient } from '../client.js';
import { parseArgs } from 'node:util';
import { hostPort, parseFlags, readTls, required, UsageError } from './args.js';

export const CONNECT_HELP = `usage: hbone connect --via HOST:PORT --cert FILE --key FILE --ca FILE --expect-identity SPIFFE_ID
                     [--header NAME=VALUE]... AUTHORITY

Opens one HBONE tunnel through --via to AUTHORITY (ip:port, [ipv6]:port) and pipes stdin and stdout through it.
  --via HOST:PORT           the HBONE server to dial (e.g. 127.0.0.1:15008)
  --cert, --key, --ca       this client's certificate chain, key and trust bundle (PEM files)
  --expect-identity ID      the server must present this SPIFFE ID (repeatable: any one of them)
  --header NAME=VALUE       extra CONNECT header (repeatable), e.g. baggage=k8s.namespace.name=default
`;

export async function connect(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(() =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        via: { type: 'string' },
        cert: { type: 'string' },
        key: { type: 'string' },
        ca: { type: 'string' },
        'expect-identity': { type: 'string', multiple: true },
        header: { type: 'string', multiple: true },
      },
    }),
  );
  const via = hostPort(values.via, '--via');
  if (positionals.length !== 1) throw new UsageError(`expected exactly one AUTHORITY, got ${positionals.length}`);
  const expected = values['expect-identity'] ?? [];
  if (expected.length === 0) required(undefined, '--expect-identity');
  const headers: Record<string, string> = {};
  for (const h of values.header ?? []) {
    const eq = h.indexOf('=');
    if (eq <= 0) throw new UsageError(`--header must be NAME=VALUE, got "${h}"`);
    headers[h.slice(0, eq).toLowerCase()] = h.slice(eq + 1);
  }
  const client = new HboneClient({ tls: readTls(values) });
  try {
    return await pipeThrough(client, {
      nextHop: via,
      authority: positionals[0] ?? '',
      expectedIdentities: expected,
      headers,
    });
  } finally {
    client.close();
  }
}

async function pipeThrough(client: HboneClient, request: Parameters<HboneClient['connect']>[0]): Promise<number> {
  const stream = await client.connect(request);
  process.stdin.pipe(stream);
  stream.pipe(process.stdout);
  return await new Promise<number>((resolve) => {
    stream.once('error', (err) => {
      process.stderr.write(`hbone: tunnel failed: ${err.message}\n`);
      resolve(1);
    });
    stream.once('close', () => resolve(stream.rstCode && stream.rstCode !== 0 ? 1 : 0));
  });
}
