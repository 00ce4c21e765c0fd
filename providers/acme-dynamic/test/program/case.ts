// The fixture program's `case` config: accounts and certificates by name.
// A certificate's `account` names an entry of `accounts`.
export type Args = Record<string, unknown>;
export interface Case {
  accounts?: Record<string, Args>;
  certificates?: Record<string, Args & { account: string }>;
}
