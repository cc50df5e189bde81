// `{$NAME}` (and the Windows-style `{%NAME%}`) references in Corefile tokens, replaced from an
// explicit environment map as CoreDNS does; an unset variable becomes the empty string.

export type Env = Readonly<Record<string, string | undefined>>;

const REFERENCE = /\{\$([^{}]+)\}|\{%([^{}%]+)%\}/g;

/**
 * Replaces every reference in one left-to-right pass. Replaced text is not scanned again, so a
 * value that itself looks like `{$X}` stays literal (CoreDNS rescans, which can loop forever).
 */
export function substituteEnv(text: string, env: Env): string {
  if (!text.includes('{')) return text;
  return text.replace(REFERENCE, (_ref, dollarName: string | undefined, percentName: string | undefined) => {
    const name = dollarName ?? percentName ?? '';
    return Object.hasOwn(env, name) ? (env[name] ?? '') : '';
  });
}
