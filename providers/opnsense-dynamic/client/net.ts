// OPNsense's own naming rules; addresses, networks and ports are in the
// shared library (providers/kit/net.ts).

/** Firewall alias names: letters, digits and underscore, at most 32 chars, not starting with a digit. */
export function isAliasName(value: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]{0,31}$/.test(value);
}
