import { describe, expect, it } from "vitest";
import { minecraftDemo } from "../../../stacks/model/examples/minecraft.ts";
import { parseSpec } from "../../../stacks/model/index.ts";
import type { SpecV1 } from "../../../stacks/model/index.ts";
import { buildTranslationPrompt, translationSchema, validateModelSpec } from "./index.ts";

function withSecret(): SpecV1 {
  const raw = structuredClone(minecraftDemo) as unknown as { services: { minecraft: { env: Record<string, unknown> } } };
  raw.services.minecraft.env.RCON_PASSWORD = { secret: "hunter2" };
  const result = parseSpec(raw);
  if (!result.ok) throw new Error("bad fixture");
  return result.spec;
}

describe("model path", () => {
  it("builds a prompt with schema, catalog and the redacted spec", () => {
    const prompt = buildTranslationPrompt("give minecraft 8GB", withSecret());
    expect(prompt.systemPrompt).toContain('"$schema"');
    expect(prompt.systemPrompt).toContain("minecraft-java");
    const user = prompt.messages[0]?.content.text ?? "";
    expect(user).toContain("<request>\ngive minecraft 8GB\n</request>");
    expect(user).toContain('"RCON_PASSWORD":{"secret":"[secret]"}');
    expect(user).not.toContain("hunter2");
    expect(translationSchema()).toHaveProperty("properties.networks");
  });

  it("accepts a model's spec and puts redacted secrets back", () => {
    const current = withSecret();
    const answer = JSON.parse(buildTranslationPrompt("x", current).messages[0]?.content.text.split("\n")[1] ?? "{}") as SpecV1;
    answer.services.minecraft!.memoryMb = 8192;
    const result = validateModelSpec("```json\n" + JSON.stringify(answer) + "\n```", current);
    expect(result.ok && result.spec.services.minecraft?.env.RCON_PASSWORD).toEqual({ secret: "hunter2" });
    expect(result.ok && result.changes).toEqual(["change services.minecraft.memoryMb: 4096 → 8192"]);
  });

  it("refuses what bosun cannot build yet, in the prompt and in the answer", () => {
    expect(buildTranslationPrompt("x", undefined).systemPrompt).toContain("bosun cannot build CNAME records yet");
    const vm = validateModelSpec({ version: 1, networks: { n: { vlan: 2, subnet: "10.2.0.0/24" } }, vms: { box: { network: "n" } } });
    expect(vm.ok).toBe(true);
    const cert = validateModelSpec({ version: 1, certificates: { web: { dnsNames: ["web"] } } });
    expect(cert.ok).toBe(true);
    const cname = validateModelSpec({ version: 1, dns: { records: [{ name: "wiki", type: "CNAME", value: "wordpress" }] } });
    expect(cname.ok).toBe(false);
    if (!cname.ok) expect(cname.errors[0]?.message).toMatch(/^bosun cannot create CNAME records yet/);
  });

  it("formats errors as feedback for another try", () => {
    const bad = validateModelSpec({ version: 1, networks: { gaming: { vlan: 5000, subnet: "10.20.0.0/24" } } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.feedback).toContain("networks.gaming.vlan: VLAN tag must be 1-4094");
    const notJson = validateModelSpec("Sure! Here is the spec:");
    expect(notJson.ok).toBe(false);
    if (!notJson.ok) expect(notJson.feedback).toMatch(/not valid JSON/);
    const stray = validateModelSpec({
      version: 1,
      networks: { n: { vlan: 2, subnet: "10.2.0.0/24" } },
      services: { s: { image: "nginx:1", network: "n", env: { X: { secret: "[secret]" } } } },
    });
    expect(stray.ok).toBe(false);
  });
});
