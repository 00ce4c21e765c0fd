// The fixture program's `case` config: resource arguments by kind and name.
export type Args = Record<string, unknown>;
export interface Case {
  vms?: Record<string, Args>;
  lxc?: Record<string, Args>;
}
