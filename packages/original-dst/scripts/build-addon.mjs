// Install step: builds the SO_ORIGINAL_DST addon with node-gyp, but never fails the install. Without the addon only
// transparent capture is unavailable; the reason is kept in build/addon-error.txt for the runtime error message.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = join(import.meta.dirname, '..');
const errorFile = join(root, 'build', 'addon-error.txt');
rmSync(errorFile, { force: true });

// npm exports the path of its bundled node-gyp to lifecycle scripts; outside npm fall back to PATH.
const gyp = process.env.npm_config_node_gyp;
// Use the headers installed next to this node (as Debian's and the official tarballs ship them) instead of letting
// node-gyp download them, unless npm was told where they are.
const prefix = dirname(dirname(process.execPath));
const nodedir = !process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
const [command, args] = gyp ? [process.execPath, [gyp, 'rebuild', ...nodedir]] : ['node-gyp', ['rebuild', ...nodedir]];
const result = process.platform === 'linux'
  ? spawnSync(command, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  : { status: 1, stdout: '', stderr: `SO_ORIGINAL_DST exists on Linux only (this is ${process.platform})`, error: undefined };

if (result.status !== 0) {
  const output = `${result.error?.message ?? ''}\n${result.stderr ?? ''}`.trim().split('\n');
  // The compiler's own "error:" lines or node-gyp's "stack Error:" line say why; the rest is noise.
  const telling = output.filter((line) => /\berror:|No such file|not found|ERR! stack \w*Error|ENOENT|EACCES/.test(line));
  const reason = (telling.length > 0 ? telling : output).slice(0, 2).join(' | ').replace(/\s+/g, ' ') || 'node-gyp failed';
  mkdirSync(join(root, 'build'), { recursive: true });
  writeFileSync(errorFile, `${reason}\n`);
  console.warn(`@ambient/original-dst: native addon not built, transparent capture disabled: ${reason}`);
}
