// Is this Node.js new enough? Compares the running version with package.json's `engines.node`, so
// that the requirement is written down once. Pure functions of strings: the launcher runs them
// before anything else is loaded, so nothing here may need a newer Node than the oldest one it
// has to turn away.

/** The lowest version a range such as `>=24`, `>=24.1.0` or `^24.0.0` admits, as [major, minor, patch]. */
export function lowestAdmitted(range: string): [number, number, number] | null {
  const m = /^\s*(?:>=|\^|~)?\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*$/.exec(range);
  if (m === null) return null;
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

/**
 * The one line to print when `found` (e.g. `process.versions.node`, "20.11.1") is older than
 * `required` (the engines range), or null when it is new enough. A range this function cannot
 * read admits every version: the check must never stop a runtime for a reason of its own.
 */
export function runtimeMismatch(program: string, found: string, required: string): string | null {
  const need = lowestAdmitted(required);
  const have = lowestAdmitted(found);
  if (need === null || have === null) return null;
  for (let i = 0; i < 3; i++) {
    if (have[i]! > need[i]!) return null;
    if (have[i]! < need[i]!) return `${program}: requires Node.js ${required.trim()}, found ${found.startsWith('v') ? found : `v${found}`}`;
  }
  return null;
}
