// `ambientctl authz eval`: decides one connection against AuthorizationPolicy/PeerAuthentication YAML, or against a
// running ztunnel's policies, exactly as ztunnel would; prints ALLOW or DENY first; exit 0 allow, 1 deny, 2 bad input.
import type { Command } from 'commander';
import type { AuthzReport } from '../../authz/evaluate.js';
import { reportData, reportText } from '../../authz/report.js';
import type { EvalFlags } from '../../authz/request.js';
import { readInputFiles } from '../../config-files.js';
import { usageError } from '../../errors.js';
import { formatData, parseOutputMode } from '../../output/format.js';
import { loadDumps } from '../../ztunnel-config/source.js';
import type { CommandContext } from '../context.js';

const GREEN = '\u001b[32m';
const RED = '\u001b[31m';
const RESET = '\u001b[0m';

export function registerAuthz(program: Command, context: CommandContext): void {
  const authz = program
    .command('authz')
    .description('explain L4 authorization decisions')
    .action(() => {
      throw usageError("'authz' needs a subcommand: eval");
    });
  authz
    .command('eval')
    .description('decide one connection as the destination ztunnel would: ALLOW or DENY, the deciding policy and why (exit 0 allow, 1 deny, 2 bad input)')
    .option('-f, --file <PATH>', 'AuthorizationPolicy/PeerAuthentication YAML file or directory (repeatable; other kinds are ignored)', collect)
    .option('--node <NAME>', "instead of -f: the policies of the local mesh's ztunnel on this node (.ambient/run.json)")
    .option('--admin <HOST:PORT>', "instead of -f: the policies of the ztunnel whose admin endpoint this is")
    .option('--dst-namespace <NS>', 'namespace of the destination workload (required with -f)')
    .option('--dst-labels <k=v,...>', 'labels of the destination workload, for workload selectors (with -f)')
    .option('--dst-ip <IP>', 'destination workload address (required)')
    .option('--dst-port <N>', 'destination (target) port, not the HBONE port (required)')
    .option('--src-ip <IP>', 'source address (required)')
    .option('--src-identity <SPIFFE_ID>', 'verified peer identity, e.g. spiffe://cluster.local/ns/default/sa/sleep; omit for plaintext')
    .option('--root-namespace <NS>', 'policies here without a selector apply mesh-wide (with -f)', undefined)
    .option('-o, --output <FORMAT>', 'short, json or yaml', 'short')
    .action(async (flags: EvalFlags) => {
      const mode = parseOutputMode(flags.output);
      const report = await evaluate(flags, context);
      if (mode === 'short') context.stdout.write(reportText(report, context.stdout.isTTY === true ? paint : undefined));
      else context.stdout.write(formatData(mode, reportData(report)));
      if (!report.explanation.decision.allowed) context.exitCode = 1;
    });
}

async function evaluate(flags: EvalFlags, context: CommandContext): Promise<AuthzReport> {
  const sources = [flags.file !== undefined, flags.node !== undefined, flags.admin !== undefined].filter(Boolean).length;
  if (sources !== 1) throw usageError('name the policies with exactly one of -f FILE|DIR, --node NAME or --admin HOST:PORT');
  // Loaded here, not at start-up: the policy engine and its YAML and xDS readers cost every other command 0.15 s.
  const [{ evaluateDump, evaluateFiles }, { parseEvalRequest }] = await Promise.all([import('../../authz/evaluate.js'), import('../../authz/request.js')]);
  const live = flags.file === undefined;
  const request = parseEvalRequest(flags, live);
  if (!live) {
    const files = await readInputFiles(flags.file ?? [], context.cwd, '-f');
    // No policy at all allows everything: with nothing read, that answer would be misleading.
    if (files.length === 0) throw usageError(`-f ${(flags.file ?? []).join(', ')}: no *.yaml or *.yml files to read policies from`);
    return evaluateFiles(files, request);
  }
  // The same admin lookup and /config_dump read as `ztunnel-config` (--admin, or --node through .ambient/run.json).
  const [dump] = await loadDumps({ ...(flags.admin === undefined ? {} : { admin: flags.admin }), ...(flags.node === undefined ? {} : { node: flags.node }) }, context, 'first');
  if (dump === undefined) throw usageError('no ztunnel to ask');
  return evaluateDump(dump.raw, request, dump.source);
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function paint(verdict: 'ALLOW' | 'DENY'): string {
  return `${verdict === 'ALLOW' ? GREEN : RED}${verdict}${RESET}`;
}
