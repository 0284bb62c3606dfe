// Running a package bin the way its shebang would. A bin whose process needs node flags (ztunnel's young-generation
// size, say) names them in its first line, `#!/usr/bin/env -S node FLAG…`, so an installed bin started by name gets
// them; `binArgv` reads that line so that code starting the bin with `process.execPath` passes the same flags, and
// the shebang stays the one place they are written.
import { readFileSync } from 'node:fs';
import { AmbientError } from './errors.js';

export type BinErrorCode = 'BIN_ERR_SHEBANG';

export class BinError extends AmbientError<BinErrorCode> {
  static override readonly family: string = 'BIN';
}

const PLAIN = '#!/usr/bin/env node';
const WITH_FLAGS = '#!/usr/bin/env -S node ';

/** The node flags a bin's shebang names: `[]` for `#!/usr/bin/env node`. */
export function shebangNodeFlags(bin: string): string[] {
  let text: string;
  try {
    text = readFileSync(bin, 'utf8');
  } catch (err) {
    throw new BinError('BIN_ERR_SHEBANG', `cannot read bin ${bin}: ${(err as Error).message}`);
  }
  const end = text.indexOf('\n');
  return parseShebang(end === -1 ? text : text.slice(0, end), bin);
}

/** Parses a bin's first line; `bin` names it in errors. */
export function parseShebang(line: string, bin: string): string[] {
  if (line === PLAIN) return [];
  if (line.startsWith(WITH_FLAGS)) {
    const flags = line.slice(WITH_FLAGS.length).split(' ').filter((f) => f !== '');
    const bad = flags.find((f) => !f.startsWith('--'));
    if (bad === undefined && flags.length > 0) return flags;
    throw new BinError('BIN_ERR_SHEBANG', `bin ${bin}: its shebang should list only node flags (--name[=value]) after "node", found ${JSON.stringify(bad ?? '')}`);
  }
  throw new BinError('BIN_ERR_SHEBANG', `bin ${bin}: its first line should be "${PLAIN}" or "${WITH_FLAGS}--flag…", found ${JSON.stringify(line.slice(0, 80))}`);
}

/** Arguments for `process.execPath` that run `bin` with `args` as its shebang would: its node flags first. */
export function binArgv(bin: string, args: readonly string[] = []): string[] {
  return [...shebangNodeFlags(bin), bin, ...args];
}

/**
 * The flags of `bin`'s shebang that this node process was started without (neither on its command line nor in
 * NODE_OPTIONS): a bin started as `node bin.js` runs, but without what its shebang asks for.
 */
export function missingBinFlags(bin: string, execArgv: readonly string[] = process.execArgv, nodeOptions = process.env['NODE_OPTIONS'] ?? ''): string[] {
  const given = new Set([...execArgv, ...nodeOptions.split(/\s+/)]);
  return shebangNodeFlags(bin).filter((f) => !given.has(f));
}
