// Argument checks shared by every plugin's setup, so that all config errors name the directive
// and point at its file and line in the same words.

import { formatDuration, parseDuration } from './duration.js';
import { ConfigError, type Directive } from './types.js';
import { zonesFromText } from './zone-name.js';

type Where = { readonly file: string; readonly line: number };

/** The directive's arguments, after checking there are `min`..`max` of them (max may be Infinity). */
export function expectArgs(d: Directive, min: number, max: number): readonly string[] {
  const n = d.args.length;
  if (n >= min && n <= max) return d.args;
  const wanted =
    min === max ? `${min}` : max === Infinity ? `at least ${min}` : min === 0 ? `at most ${max}` : `${min} to ${max}`;
  throw ConfigError.at(
    d,
    `wrong argument count or unexpected line ending after '${d.name}': expected ${wanted} argument${(max === Infinity ? min : max) === 1 ? '' : 's'}, got ${n}`,
  );
}

export interface IntLimits {
  readonly min: number;
  readonly max: number;
  /** What the value is, for the message ("TTL", "max_fails"). */
  readonly what: string;
}

/** A plain decimal integer within `min..max`. */
export function intArg(d: Directive, value: string, limits: IntLimits): number {
  const range = `an integer from ${limits.min} to ${limits.max}`;
  if (!/^[+-]?\d+$/.test(value)) throw ConfigError.at(d, `'${d.name}': invalid ${limits.what} '${value}': expected ${range}`);
  const n = Number(value);
  if (n < limits.min || n > limits.max) {
    throw ConfigError.at(d, `'${d.name}': ${limits.what} ${value} is out of range: expected ${range}`);
  }
  return n;
}

export interface DurationLimits {
  /** Milliseconds. */
  readonly min?: number;
  readonly max?: number;
  readonly what: string;
}

/** A Go-style duration (`500ms`, `5s`, `1m30s`) within limits, in milliseconds. */
export function durationArg(d: Directive, value: string, limits: DurationLimits): number {
  const ms = parseDuration(value);
  if (ms === null) {
    throw ConfigError.at(d, `'${d.name}': invalid ${limits.what} '${value}': expected a duration such as 500ms, 5s or 1m30s`);
  }
  if (limits.min !== undefined && ms < limits.min) {
    throw ConfigError.at(d, `'${d.name}': ${limits.what} ${value} is too short: the minimum is ${formatDuration(limits.min)}`);
  }
  if (limits.max !== undefined && ms > limits.max) {
    throw ConfigError.at(d, `'${d.name}': ${limits.what} ${value} is too long: the maximum is ${formatDuration(limits.max)}`);
  }
  return ms;
}

/** For directives and options that take no `{ ... }` block. */
export function noBlock(d: Directive): void {
  if (d.block !== null) throw ConfigError.at(d, `'${d.name}' does not take a block`);
}

/** Calls the handler named by each option line of `d`'s block; any other option is an error. */
export function forEachOption(d: Directive, handlers: Readonly<Record<string, (option: Directive) => void>>): void {
  for (const option of d.block ?? []) {
    if (!Object.hasOwn(handlers, option.name)) throw ConfigError.at(option, `unknown option '${option.name}' for '${d.name}'`);
    handlers[option.name]!(option);
  }
}

/** A zone argument: lower case, fully qualified; a CIDR stands for the reverse zones it covers. */
export function normalizeZones(zone: string, where: Where): readonly string[] {
  const result = zonesFromText(zone);
  if (!result.ok) throw ConfigError.at(where, result.reason);
  return result.zones;
}

/** A zone argument that must be one zone: a CIDR off a label boundary (several zones) is an error. */
export function normalizeZone(zone: string, where: Where): string {
  const zones = normalizeZones(zone, where);
  if (zones.length !== 1) {
    throw ConfigError.at(where, `'${zone}' stands for ${zones.length} reverse zones here, where one zone is expected`);
  }
  return zones[0]!;
}

/**
 * `[ZONES...]` arguments (a CIDR expanded to every reverse zone it covers), or the server block's
 * zones when there are none (CoreDNS's OriginsFromArgsOrServerBlock).
 */
export function zonesArg(args: readonly string[], blockZones: readonly string[], where: Where): readonly string[] {
  return args.length === 0 ? blockZones : args.flatMap((z) => normalizeZones(z, where));
}
