// Reads an example directory for `up`: `mesh/*.yaml` through @ambient/mesh-config (as ambientd will read it) and the
// optional `example.yaml`, and plans the mesh. The only file-system code of the planning step.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MeshConfig, type ConfigFile } from '@ambient/mesh-config';
import { AmbientctlError } from '../errors.js';
import { EXAMPLE_FILE, parseExample, type ExampleSpec } from './example.js';
import { planMesh, type UpPlan } from './plan.js';

export const MESH_SUBDIR = 'mesh';

/** Plans the example in `dir` (absolute); a missing directory, an unreadable file or a config problem is refused. */
export async function loadExample(dir: string): Promise<UpPlan> {
  const meshDir = join(dir, MESH_SUBDIR);
  const info = await stat(meshDir).catch(() => undefined);
  if (!info?.isDirectory()) {
    const what = (await stat(dir).catch(() => undefined)) === undefined ? `${dir} does not exist` : `${dir} has no ${MESH_SUBDIR}/ directory of YAML files`;
    throw new AmbientctlError('AMBIENTCTL_ERR_INPUT', `${what}; give up an example directory such as examples/quickstart`);
  }
  const files = await readMeshFiles(meshDir);
  const exampleFile = join(dir, EXAMPLE_FILE);
  const exampleText = await readFile(exampleFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw new AmbientctlError('AMBIENTCTL_ERR_INPUT', `cannot read ${exampleFile}: ${err.message}`);
  });
  const example: ExampleSpec = exampleText === undefined ? { apps: [] } : parseExample(exampleText, exampleFile);
  return planMesh(new MeshConfig().update(files), example, exampleFile);
}

/** The top-level *.yaml / *.yml files of a config directory, by name, as ambientd reads them. */
export async function readMeshFiles(meshDir: string): Promise<ConfigFile[]> {
  const names = (await readdir(meshDir)).filter((n) => /\.ya?ml$/i.test(n) && !n.startsWith('.')).sort();
  const files: ConfigFile[] = [];
  for (const name of names) files.push({ path: join(meshDir, name), text: await readText(join(meshDir, name)) });
  return files;
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new AmbientctlError('AMBIENTCTL_ERR_INPUT', `cannot read ${path}: ${(err as Error).message}`);
  }
}
