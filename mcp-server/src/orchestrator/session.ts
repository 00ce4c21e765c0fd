// One owner per stack in this process: every engine operation on a stack
// (preview, up, refresh, drift, recovery) runs through its session, one at a
// time. Across processes, operations that change state also hold the stack
// lock (coordination/locks.ts). Nothing an operation deploys comes from
// process environment: previews of a candidate get their own config file.
import type { Stack } from "@pulumi/pulumi/automation/index.js";
import { openStack, type WorkspaceOptions } from "./workspace.ts";

export class StackSessions {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly depth = new Map<string, number>();
  private readonly ws: WorkspaceOptions;

  constructor(ws: WorkspaceOptions) {
    this.ws = ws;
  }

  /**
   * Runs `fn` as the stack's next engine operation, after the ones already queued.
   * `existing`: for reads, which must never create the stack in the backend.
   */
  run<T>(stack: string, fn: (s: Stack) => Promise<T>, mode: "create" | "existing" = "create"): Promise<T> {
    const previous = this.tails.get(stack) ?? Promise.resolve();
    this.depth.set(stack, (this.depth.get(stack) ?? 0) + 1);
    const mine = previous.then(async () => fn(await openStack(this.ws, stack, mode)));
    const tail = mine.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(stack, tail);
    void tail.then(() => {
      const left = (this.depth.get(stack) ?? 1) - 1;
      if (left > 0) this.depth.set(stack, left);
      else this.depth.delete(stack);
      if (this.tails.get(stack) === tail) this.tails.delete(stack);
    });
    return mine;
  }

  /** Operations queued or running on a stack in this process. */
  queued(stack: string): number {
    return this.depth.get(stack) ?? 0;
  }
}
