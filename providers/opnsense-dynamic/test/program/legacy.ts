// A VLAN exactly as bosun registered it before the kit's DynamicResource: a
// `pulumi.dynamic.Resource` whose stored provider is the serialized closure
// that imports the implementation by absolute path. Old state holds that
// closure; test/legacy-provider.test.ts checks the current program still
// updates, refreshes and deletes such resources.
import * as pulumi from "@pulumi/pulumi";
import { fileURLToPath } from "node:url";
import { ownerTag } from "../../resources/owner.ts";

/** The provider as it was (kit/provider.ts before the one-line handler). */
function legacyProvider(implPath: string): pulumi.dynamic.ResourceProvider {
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

const vlanProvider = legacyProvider(fileURLToPath(new URL("../../resources/vlan-impl.ts", import.meta.url)));

/** Same type token, args and outputs as resources/index.ts's Vlan. */
export class LegacyVlan extends pulumi.dynamic.Resource {
  declare readonly uuid: pulumi.Output<string>;
  declare readonly revision: pulumi.Output<string>;
  constructor(name: string, args: Record<string, unknown>, opts?: pulumi.CustomResourceOptions) {
    super(
      vlanProvider,
      name,
      { ...args, device: args["device"], ownerTag: ownerTag("Vlan", name), uuid: undefined, revision: undefined },
      opts,
      "opnsense",
      "Vlan",
    );
  }
}
