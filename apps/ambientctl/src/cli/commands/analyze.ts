// `ambientctl analyze DIR|FILE…`: validates mesh config offline with what ambientd runs plus whole-config analyzers;
// istioctl's output and exit code: 1 when any message reaches --failure-threshold (default Error).
import type { Command } from 'commander';
import type { Paint } from '../../analyze/format.js';
import type { Level } from '../../analyze/messages.js';
import { readInputFiles } from '../../config-files.js';
import { usageError } from '../../errors.js';
import { formatData, parseOutputMode } from '../../output/format.js';
import { formatTable } from '../../output/table.js';
import type { CommandContext } from '../context.js';

interface AnalyzeFlags {
  readonly output?: string;
  readonly failureThreshold: string;
  readonly rootNamespace: string;
  readonly listCodes?: boolean;
}

export function registerAnalyze(program: Command, context: CommandContext): void {
  program
    .command('analyze')
    .description('check a mesh config directory (or files) offline: what ambientd would reject, and config that does not do what it seems to')
    .argument('[paths...]', 'config directories (their top-level *.yaml, *.yml, as ambientd reads them) or files')
    .option('-o, --output <FORMAT>', 'short (log lines), json or yaml', 'short')
    .option('--failure-threshold <LEVEL>', 'exit 1 when a message of this level or above is found: Info, Warning or Error', 'Error')
    .option('--root-namespace <NS>', "ambientd's --root-namespace: policies there without a selector are mesh-wide", 'istio-system')
    .option('--list-codes', 'list every message code with its level and what to check')
    .action(async (paths: string[], flags: AnalyzeFlags) => {
      // Loaded here, not at start-up: mesh-config's analyzers cost every other command about 0.2 s.
      const [{ analyzeFiles }, { logOutput, messagesData }, { allCodes, atLeast, LEVELS }] = await Promise.all([
        import('../../analyze/analyze.js'),
        import('../../analyze/format.js'),
        import('../../analyze/messages.js'),
      ]);
      const mode = parseOutputMode(flags.output);
      const threshold = levelOf(flags.failureThreshold, LEVELS);
      if (flags.listCodes === true) return void context.stdout.write(formatTable(['CODE', 'LEVEL', 'WHAT TO CHECK'], allCodes().map((c) => [c.code, c.level, c.text])));
      if (paths.length === 0) throw usageError('name a config directory or files to analyze');
      const files = await readInputFiles(paths, context.cwd, 'analyze');
      if (files.length === 0) throw usageError(`${paths.join(', ')}: no *.yaml or *.yml files to analyze`);
      const messages = analyzeFiles(files.map((f) => ({ path: f.file, text: f.text })), { rootNamespace: flags.rootNamespace });
      context.stdout.write(mode === 'short' ? logOutput(messages, paths.join(' '), context.stdout.isTTY === true ? paint : undefined) : formatData(mode, messagesData(messages)));
      if (messages.some((m) => atLeast(m.level, threshold))) context.exitCode = 1;
    });
}

const COLOURS: Readonly<Record<Level, string>> = { Error: '\u001b[31m', Warning: '\u001b[33m', Info: '\u001b[36m' };
const paint: Paint = (level) => `${COLOURS[level]}${level}\u001b[0m`;

/** istioctl takes the level names case-insensitively. */
function levelOf(text: string, levels: readonly Level[]): Level {
  const level = levels.find((l) => l.toLowerCase() === text.toLowerCase());
  if (level === undefined) throw usageError(`--failure-threshold must be one of ${levels.join(', ')}, not "${text}"`);
  return level;
}
