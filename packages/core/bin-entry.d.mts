// Types of bin-entry.mjs (plain JavaScript: it runs before any TypeScript loader).

/** Runs a package bin's entry: built dist/ when current, the TypeScript source through tsx otherwise. */
export function runBin(packageUrl: URL, entry: string): Promise<void>;

/** The module a bin runs: dist/<entry>.js, or src/<entry>.ts when the checkout's build is not current. */
export function binEntryUrl(packageUrl: URL, entry: string, workspaceRoot?: URL): URL;

/** Why the workspace's dist/ may not match its sources, or undefined when it does. */
export function staleBuild(root: string): string | undefined;
