// The mark bosun writes into each item's description (`[bosun:<tag>]`): a hash
// of project, stack, type and resource name, so a create whose answer was lost
// is reconciled by identity, never by look-alike values (see common.ts).
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";

export function ownerTag(type: string, name: string): string {
  return createHash("sha256").update(`${pulumi.getProject()}/${pulumi.getStack()}/${type}/${name}`).digest("hex").slice(0, 12);
}
