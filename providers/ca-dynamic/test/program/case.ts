// The fixture program's `case` config: roots and leaves by name; a leaf's `ca` names a root.
export type Args = Record<string, unknown>;
export interface Case {
  roots?: Record<string, Args>;
  leaves?: Record<string, Args & { ca: string }>;
}
