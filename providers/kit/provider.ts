// The serialized part of every bosun dynamic provider, kept tiny on purpose.
// Pulumi serializes these methods as closures and runs them in its
// dynamic-provider process; the closure serializer cannot capture ESM imports,
// so each method only forwards to `call`, which imports the real
// implementation inside that process. The text is stored twice per resource
// (inputs and outputs) and the file backend rewrites the whole state after
// every step, so each byte here costs O(resources) per deployment.
import type * as pulumi from "@pulumi/pulumi";
import { fileURLToPath } from "node:url";

/** Absolute path of an implementation module next to the calling file. */
export function implPath(relative: string, base: string): string {
  return fileURLToPath(new URL(relative, base));
}

/**
 * Builds the provider for one implementation module, which must satisfy
 * `ResourceImpl` (see impl.ts): configure, check, diff, create, read, update, remove.
 */
export function dynamicProvider(implPath: string): pulumi.dynamic.ResourceProvider {
  // The one place that loads implementations. If import() is unavailable in the
  // provider process, switch to require(implPath).
  const call = async (m: string, a: unknown[]) => (await import(implPath))[m](...a);
  return {
    configure: async (r) => void (await call("configure", [r.config])),
    check: (...a) => call("check", a),
    diff: (...a) => call("diff", a),
    create: (...a) => call("create", a),
    read: (...a) => call("read", a),
    update: (...a) => call("update", a),
    delete: (...a) => call("remove", a),
  };
}
