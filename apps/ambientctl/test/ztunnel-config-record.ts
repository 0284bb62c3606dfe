// Records the golden inputs from a real mesh: both ztunnels' /config_dump while sleep → echo is open, and ambientd's
// /debug/syncz. Run from apps/ambientctl: node --import ../../tools/source-loader.mjs test/ztunnel-config-record.ts
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startMesh } from './ztunnel-config-mesh.js';

const golden = (name: string): string => fileURLToPath(new URL(`./golden/${name}`, import.meta.url));

const mesh = await startMesh();
try {
  const socket = await mesh.connect();
  socket.write('hello');
  await new Promise((resolve) => socket.once('data', resolve));
  for (const [node, admin] of Object.entries(mesh.admin)) {
    writeFileSync(golden(`${node}.config_dump.json`), await (await fetch(`http://${admin}/config_dump`)).text());
  }
  writeFileSync(golden('syncz.json'), await (await fetch(`http://${mesh.debug}/debug/syncz`)).text());
} finally {
  await mesh.stop();
}
