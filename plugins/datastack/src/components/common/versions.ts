/**
 * Compares two chart versions the way SemVer orders them (numeric parts, a
 * pre-release before its release); enough to order what chart indexes hold
 * without shipping a SemVer library to the browser.
 */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const [core, pre] = v.replace(/^v/, '').split('+')[0].split(/-(.*)/s);
    return { parts: core.split('.').map(p => Number(p) || 0), pre };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < Math.max(x.parts.length, y.parts.length); i++) {
    const d = (x.parts[i] ?? 0) - (y.parts[i] ?? 0);
    if (d !== 0) return d;
  }
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  return x.pre.localeCompare(y.pre, 'en', { numeric: true });
}

/** A Git commit's 7-character short form; any other revision as it is. */
export function shortSha(revision: string): string {
  return /^[0-9a-f]{40}$/.test(revision) ? revision.slice(0, 7) : revision;
}

/** The oldest of some versions, or undefined for none. */
export function oldestVersion(versions: Array<string | undefined>) {
  return versions
    .filter((v): v is string => Boolean(v))
    .sort(compareVersions)[0];
}

export { compareEnvironments } from '@datastack/plugin-datastack-common';
