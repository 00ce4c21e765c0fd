// The fixture program's `case` config: resource arguments by kind and name.
export type Args = Record<string, unknown>;
export interface Case {
  vlans?: Record<string, Args>;
  assignments?: Record<string, Args>;
  aliases?: Record<string, Args>;
  rules?: Record<string, Args>;
  /** FirewallRuleSets: { owner, rules: { <key>: rule args } }. */
  ruleSets?: Record<string, Args>;
  ranges?: Record<string, Args>;
  reservations?: Record<string, Args>;
  hosts?: Record<string, Args>;
  /** VLANs registered with the provider closure of bosun's older state (program/legacy.ts). */
  legacy?: string[];
}
