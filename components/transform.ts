// SST-style escape hatch on every component: change a child's args (and options)
// without forking the component. A plain object is merged into the args; a
// function edits args and options in place.
import type * as pulumi from "@pulumi/pulumi";

export type Transform<T> = Partial<T> | ((args: T, opts: pulumi.CustomResourceOptions, name: string) => void);

/** Applies `transform` (if any) to a child's args and options before it is created. */
export function transformed<T extends object>(
  transform: Transform<T> | undefined,
  name: string,
  args: T,
  opts: pulumi.CustomResourceOptions,
): [T, pulumi.CustomResourceOptions] {
  if (transform === undefined) return [args, opts];
  if (typeof transform === "function") {
    const a = { ...args };
    const o = { ...opts };
    transform(a, o, name);
    return [a, o];
  }
  return [{ ...args, ...transform }, opts];
}
