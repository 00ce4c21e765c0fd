// The serialized part of every bosun OPNsense dynamic provider, kept tiny on
// purpose. Pulumi serializes these methods as closures and runs them in its
// dynamic-provider process; the closure serializer cannot capture ESM imports,
// so each method only uses `implPath` (a string) and `load`, and imports the
// real implementation inside that process.
import type * as pulumi from "@pulumi/pulumi";
import { fileURLToPath } from "node:url";

/** Absolute path of an implementation module next to the calling file. */
export function implPath(relative: string, base: string): string {
  return fileURLToPath(new URL(relative, base));
}

/**
 * Builds the provider for one implementation module. The module must export
 * configure, check, diff, create, read, update and delete.
 */
export function dynamicProvider(implPath: string): pulumi.dynamic.ResourceProvider {
  // The one place that loads implementations. If import() is unavailable in the
  // provider process, switch to: const load = (p: string) => require(p);
  const load = (p: string) => import(p);
  return {
    async configure(req) {
      (await load(implPath)).configure(req.config);
    },
    async check(olds, news) {
      return (await load(implPath)).check(olds, news);
    },
    async diff(id, olds, news) {
      return (await load(implPath)).diff(id, olds, news);
    },
    async create(inputs) {
      return (await load(implPath)).create(inputs);
    },
    async read(id, props) {
      return (await load(implPath)).read(id, props);
    },
    async update(id, olds, news) {
      return (await load(implPath)).update(id, olds, news);
    },
    async delete(id, props) {
      return (await load(implPath)).remove(id, props);
    },
  };
}
