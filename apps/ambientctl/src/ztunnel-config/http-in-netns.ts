// One HTTP request made from inside a network namespace (an `up --netns` component's admin or debug port is on that
// namespace's loopback): curl under `ip netns exec`, its exit codes turned into the same one-sentence failures as
// a direct request. Needs root, as `up --netns` does.
import { execFile } from 'node:child_process';
import { inNamespace } from '@ambient/netns';
import { AmbientctlError } from '../errors.js';

/** curl's exit codes for "nothing answered" (everything else is reported with curl's own words). */
const CURL_REASONS: Record<number, string> = { 7: 'connection refused', 28: 'no answer in time', 52: 'empty reply', 56: 'connection reset' };
/** Written after the body so the status can be told from it: the body may end in anything. */
const STATUS_MARK = '\n--ambientctl-status:';

export function requestInNamespace(
  netns: string, target: { host: string; port: number }, path: string, what: string, method: 'GET' | 'POST', timeoutMs: number,
): Promise<{ readonly status: number; readonly body: string }> {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  const address = `${host}:${target.port}`;
  const curl = ['curl', '-sS', '-X', method, '--max-time', String(timeoutMs / 1000), '-w', `${STATUS_MARK}%{http_code}`, `http://${address}${path}`];
  const [command = 'ip', ...args] = inNamespace(netns, curl);
  const where = `${what} at ${address} in network namespace ${netns}`;
  return new Promise((resolve, reject) => {
    execFile(command, args, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const code = typeof err.code === 'number' ? err.code : -1;
        const reason = /Cannot open network namespace/.test(stderr)
          ? 'the namespace is gone'
          : (CURL_REASONS[code] ?? (stderr.trim() || err.message));
        reject(new AmbientctlError('AMBIENTCTL_ERR_UNREACHABLE', `cannot reach ${where} (${reason}): is it running?`, { cause: err }));
        return;
      }
      const mark = stdout.lastIndexOf(STATUS_MARK);
      const status = mark < 0 ? NaN : Number(stdout.slice(mark + STATUS_MARK.length));
      if (!Number.isInteger(status) || status === 0) {
        reject(new AmbientctlError('AMBIENTCTL_ERR_UNREACHABLE', `cannot reach ${where} (no HTTP answer): is it running?`));
        return;
      }
      resolve({ status, body: stdout.slice(0, mark) });
    });
  });
}
