// A ztunnel /config_dump as ambientctl reads it: parsed once, each section checked to be a list when a table needs
// it, so a truncated or foreign file fails with one sentence naming the file and the section.
import { AmbientctlError } from '../errors.js';

/** The sections `ztunnel-config` reads; `connections` is only in dumps from ztunnels that track connections. */
export const SECTIONS = ['workloads', 'services', 'policies', 'certificates', 'connections'] as const;
export type Section = (typeof SECTIONS)[number];

/** A dump entry: plain JSON whose fields the tables read defensively. */
export type Entry = Record<string, unknown>;

export interface ConfigDump {
  /** Where it came from (file path or `ztunnel <node> at HOST:PORT`), for error messages. */
  readonly source: string;
  /** The dump as ztunnel served it, for `-o json|yaml` of `all`. */
  readonly raw: Entry;
}

/** Parses dump text; anything but a JSON object is an input error naming `source`. */
export function parseConfigDump(text: string, source: string): ConfigDump {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new AmbientctlError('AMBIENTCTL_ERR_INPUT', `the config dump from ${source} is not JSON: ${(err as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new AmbientctlError('AMBIENTCTL_ERR_INPUT', `the config dump from ${source} is not a JSON object with workloads, services, policies and certificates`);
  }
  return { source, raw: raw as Entry };
}

/**
 * One section as a list of objects. Istio's own ztunnel serves some sections as maps keyed by address or name;
 * those are read as their values, as istioctl does.
 */
export function section(dump: ConfigDump, name: Section): Entry[] {
  const value = dump.raw[name];
  if (value === undefined) {
    const hint = name === 'connections' ? ' (this ztunnel does not report open connections)' : '';
    throw new AmbientctlError('AMBIENTCTL_ERR_INPUT', `the config dump from ${dump.source} has no "${name}" section${hint}`);
  }
  const list = Array.isArray(value) ? value : typeof value === 'object' && value !== null ? Object.values(value) : undefined;
  if (!list || !list.every((e) => typeof e === 'object' && e !== null && !Array.isArray(e))) {
    throw new AmbientctlError('AMBIENTCTL_ERR_INPUT', `the config dump from ${dump.source} has a "${name}" section that is not a list of objects`);
  }
  return list as Entry[];
}

/** A string field, or '' when absent or not a string. */
export function str(entry: Entry, key: string): string {
  const value = entry[key];
  return typeof value === 'string' ? value : '';
}

/** A list-of-strings field, or [] when absent. */
export function strings(entry: Entry, key: string): string[] {
  const value = entry[key];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** An object field, or undefined. */
export function obj(entry: Entry, key: string): Entry | undefined {
  const value = entry[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Entry) : undefined;
}
