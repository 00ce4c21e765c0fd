// An installation's own rule: images carry a version tag, so an apply deploys
// what was previewed. Copy this file to add a rule; policy.yaml can change its level.
import { defineRule } from "../engine/index.ts";

export default defineRule({
  name: "no-latest-images",
  description: "Container images name a version: no :latest and no missing tag.",
  level: "warn",
  resource(r) {
    const image = r.props["image"];
    if (r.kind !== "docker:Container" || typeof image !== "string") return undefined;
    const tag = /:([^/:@]+)$/.exec(image)?.[1];
    if (image.includes("@sha256:") || (tag !== undefined && tag !== "latest")) return undefined;
    return `container ${String(r.props["name"] ?? r.name)} runs ${image}; pin a version tag so every apply deploys the same image`;
  },
});
