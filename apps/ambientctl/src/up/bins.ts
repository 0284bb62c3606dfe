// Where the processes `up` starts live. Apps may not import each other, so ambientd and ztunnel are found as sibling
// packages of this one: apps/<name> in a checkout, node_modules/@ambient/<name> once installed (src/up and dist/up
// are both two levels below the package root).
import { fileURLToPath } from 'node:url';

const PACKAGE_ROOT = new URL('../../', import.meta.url);

export const BINS = {
  ambientd: fileURLToPath(new URL('../ambientd/bin/ambientd.js', PACKAGE_ROOT)),
  ztunnel: fileURLToPath(new URL('../ztunnel/bin/ztunnel.js', PACKAGE_ROOT)),
  ambientctl: fileURLToPath(new URL('bin/ambientctl.js', PACKAGE_ROOT)),
} as const;
