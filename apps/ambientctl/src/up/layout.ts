// The `.ambient/` folder `up` keeps under the working directory: state, tokens, logs and the run file.
import { join } from 'node:path';
import { DEFAULT_RUN_FILE } from '../run-file.js';

export interface AmbientLayout {
  readonly stateDir: string;
  readonly tokensDir: string;
  readonly logsDir: string;
  readonly runFile: string;
}

export function ambientLayout(cwd: string): AmbientLayout {
  return {
    stateDir: join(cwd, '.ambient/state'),
    tokensDir: join(cwd, '.ambient/tokens'),
    logsDir: join(cwd, '.ambient/logs'),
    runFile: join(cwd, DEFAULT_RUN_FILE),
  };
}

/** 'ztunnel node-a' → 'ztunnel-node-a.log', 'app default/echo' → 'app-default-echo.log'. */
export function logFileName(component: string): string {
  return `${component.replace(/[^a-zA-Z0-9.-]+/g, '-')}.log`;
}
