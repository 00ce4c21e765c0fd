// The fixture program's `case` config: resource arguments by kind and name.
export type Args = Record<string, unknown>;
export interface Case {
  records?: Record<string, Args>;
  ddns?: Record<string, Args>;
}
