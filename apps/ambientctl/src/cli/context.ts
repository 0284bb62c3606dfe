// What a command may touch of the process: streams, environment, working directory. main.ts passes the real ones.
export interface CommandContext {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Exit code a command asks for (authz eval: 1 on DENY) without throwing. */
  exitCode?: number;
}
