// Where the program's desired state comes from. Normally the stack's config
// key `bosun:spec`. The MCP orchestrator previews a candidate spec without
// touching the live stack file: it sets BOSUN_CANDIDATE_SPEC (JSON) for that
// one preview only. Applies always run from the live config.
import type * as pulumi from "@pulumi/pulumi";

export const CANDIDATE_ENV = "BOSUN_CANDIDATE_SPEC";

export function desiredSpecInput(config: pulumi.Config): unknown {
  const candidate = process.env[CANDIDATE_ENV];
  if (candidate !== undefined && candidate !== "") return JSON.parse(candidate) as unknown;
  return config.getObject<unknown>("spec") ?? { version: 1 };
}
