// A MeshState holding the given Addresses; throws when the store rejects one, so a fixture typo cannot pass quietly.
import type { Address } from '@ambient/api/workload';
import { MeshState } from '../mesh-state.js';
import { batch } from './builders.js';

export function meshOf(...addresses: Address[]): MeshState {
  const state = new MeshState();
  const rejections = state.applyAddresses(batch(...addresses), []);
  if (rejections.length > 0) throw new Error(`fixture rejected: ${rejections.map((r) => `${r.name}: ${r.reason}`).join('; ')}`);
  return state;
}
