// How analyze prints: istioctl's log lines `Level [CODE] (Kind ns/name file:line) message`, a summary, and the
// JSON/YAML list istioctl prints with -o json (code, level, message, origin, reference).
import { LEVELS, type AnalysisMessage, type Level } from './messages.js';

/** Colours a level word; identity unless stdout is a TTY. */
export type Paint = (level: Level) => string;

export function messageLine(m: AnalysisMessage, paint: Paint = (l) => l): string {
  const reference = referenceOf(m);
  const where = [m.origin, reference].filter((s) => s !== undefined && s !== '').join(' ');
  return `${paint(m.level)} [${m.code}]${where === '' ? '' : ` (${where})`} ${m.message}`;
}

/** The log output: one line per message, then a summary naming what was analyzed. */
export function logOutput(messages: readonly AnalysisMessage[], analyzed: string, paint?: Paint): string {
  if (messages.length === 0) return `✔ No validation issues found when analyzing ${analyzed}\n`;
  const counts = LEVELS.slice()
    .reverse()
    .map((level) => [level, messages.filter((m) => m.level === level).length] as const)
    .filter(([, n]) => n > 0)
    .map(([level, n]) => `${n} ${plural(level, n)}`);
  return `${messages.map((m) => messageLine(m, paint)).join('\n')}\n${messages.some((m) => m.level === 'Error') ? '✘' : '!'} Found ${counts.join(', ')} when analyzing ${analyzed}\n`;
}

export function messagesData(messages: readonly AnalysisMessage[]): Record<string, unknown>[] {
  return messages.map((m) => ({ code: m.code, level: m.level, message: m.message, origin: m.origin ?? null, reference: referenceOf(m) ?? null }));
}

function referenceOf(m: AnalysisMessage): string | undefined {
  if (m.file === '') return undefined;
  return m.line === undefined ? m.file : `${m.file}:${m.line}`;
}

function plural(level: Level, n: number): string {
  const word = level === 'Info' ? 'info message' : level.toLowerCase();
  return n === 1 ? word : `${word}s`;
}
