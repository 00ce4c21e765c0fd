// The assisted translator between a real MCP client and server (SDK Client +
// McpServer over the SDK's in-memory transport), so sampling and elicitation
// really travel as MCP requests and the client's capabilities really decide.
//
// There is no language model on this machine: the client's sampling handler
// answers with scripted model outputs, and its elicitation handler answers as
// a scripted person. What is under test is bosun's side: the prompt it sends,
// how it checks answers, feeds errors back, falls back, and folds answers in.
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { CreateMessageRequestSchema, ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import type { ClientCapabilities, CreateMessageRequest, ElicitRequest, ElicitResult } from "@modelcontextprotocol/sdk/types.js";
import { minecraftDemo } from "../../../stacks/model/examples/minecraft.ts";
import { parseSpec } from "../../../stacks/model/index.ts";
import type { SpecV1 } from "../../../stacks/model/index.ts";
import { modelAccessFromServer, translate, translateAssisted } from "./index.ts";
import type { AssistedTranslation } from "./index.ts";

interface Script {
  capabilities: ClientCapabilities;
  /** Scripted model answers, one per sampling request (the last one repeats). */
  model?: string[];
  /** Scripted person: answers to an elicitation request. */
  person?: (request: ElicitRequest["params"]) => ElicitResult;
}

interface Pair {
  call: (text: string, currentSpec?: SpecV1) => Promise<AssistedTranslation>;
  sampled: CreateMessageRequest["params"][];
  elicited: ElicitRequest["params"][];
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A server with one tool that runs translateAssisted over its client, and a client that follows `script`. */
async function connect(script: Script): Promise<Pair> {
  const server = new McpServer({ name: "bosun-test", version: "1" }, { capabilities: { tools: {} } });
  server.registerTool(
    "translate_assisted",
    { inputSchema: { text: z.string(), currentSpec: z.record(z.string(), z.unknown()).optional() } },
    async ({ text, currentSpec }, extra) => {
      const current = currentSpec === undefined ? undefined : parseSpec(currentSpec);
      if (current !== undefined && !current.ok) throw new Error("bad currentSpec in test");
      const result = await translateAssisted(text, current?.spec, modelAccessFromServer(server, { requestId: extra.requestId, signal: extra.signal }));
      return { content: [{ type: "text", text: JSON.stringify(result) }] };
    },
  );

  const client = new Client({ name: "scripted-client", version: "1" }, { capabilities: script.capabilities });
  const sampled: CreateMessageRequest["params"][] = [];
  const elicited: ElicitRequest["params"][] = [];
  if (script.capabilities.sampling !== undefined) {
    client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
      sampled.push(request.params);
      const answers = script.model ?? [];
      const text = answers[Math.min(sampled.length - 1, answers.length - 1)] ?? "";
      return { role: "assistant", model: "scripted", content: { type: "text", text } };
    });
  }
  if (script.capabilities.elicitation !== undefined) {
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      elicited.push(request.params);
      return script.person?.(request.params) ?? { action: "decline" };
    });
  }

  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  await client.connect(clientSide);
  closers.push(async () => {
    await client.close();
    await server.close();
  });
  return {
    sampled,
    elicited,
    call: async (text, currentSpec) => {
      const result = await client.callTool({ name: "translate_assisted", arguments: { text, ...(currentSpec ? { currentSpec } : {}) } });
      const content = result.content as { type: string; text: string }[];
      if (result.isError === true) throw new Error(content[0]?.text);
      return JSON.parse(content[0]?.text ?? "{}") as AssistedTranslation;
    },
  };
}

function spec(raw: unknown): SpecV1 {
  const result = parseSpec(raw);
  if (!result.ok) throw new Error("bad fixture");
  return result.spec;
}

const demo = spec(minecraftDemo);
const request = "Deploy a Minecraft server for 10 players on VLAN 20";
/** A model's answer the way models write them: prose around a fenced block. */
const goodAnswer = `Here is the spec:\n\`\`\`json\n${JSON.stringify(minecraftDemo)}\n\`\`\`\nLet me know if you need anything else.`;
const badAnswer = JSON.stringify({ ...minecraftDemo, networks: { gaming: { vlan: 5000, subnet: "10.20.0.0/24" } } });
const userText = (p: CreateMessageRequest["params"] | undefined) => {
  const content = p?.messages[0]?.content;
  return content !== undefined && !Array.isArray(content) && content.type === "text" ? content.text : "";
};

describe("translateAssisted with sampling", () => {
  it("uses a valid model answer", async () => {
    const pair = await connect({ capabilities: { sampling: {} }, model: [goodAnswer] });
    const result = await pair.call(request);
    expect(result.via).toBe("model");
    expect(result.attempts).toBe(1);
    expect(result.modelErrors).toEqual([]);
    expect(result.questions).toEqual([]);
    expect(result.spec).toEqual(demo);
    expect(result.changes).toEqual(translate(request).changes);
    expect(result.assumptions[0]).toMatch(/client's model/);
    // What the model was asked: the schema in the system prompt, the request quoted as data.
    expect(pair.sampled).toHaveLength(1);
    expect(pair.sampled[0]?.systemPrompt).toContain('"$schema"');
    expect(userText(pair.sampled[0])).toContain(`<request>\n${request}\n</request>`);
  });

  it("sends the validation errors back and accepts the corrected answer", async () => {
    const pair = await connect({ capabilities: { sampling: {} }, model: [badAnswer, goodAnswer] });
    const result = await pair.call(request);
    expect(result.via).toBe("model");
    expect(result.attempts).toBe(2);
    expect(result.modelErrors).toHaveLength(1);
    expect(result.modelErrors[0]).toContain("networks.gaming.vlan");
    expect(result.spec.networks.gaming?.vlan).toBe(20);
    const retry = userText(pair.sampled[1]);
    expect(retry).toContain("Your previous answer:");
    expect(retry).toContain("networks.gaming.vlan: VLAN tag must be 1-4094");
  });

  it("falls back to the offline translator when every answer is invalid", async () => {
    const pair = await connect({ capabilities: { sampling: {} }, model: ["Sure! A Minecraft server sounds fun.", badAnswer] });
    const result = await pair.call(request);
    expect(pair.sampled).toHaveLength(3);
    expect(result.via).toBe("offline");
    expect(result.attempts).toBe(3);
    expect(result.modelErrors).toHaveLength(3);
    expect(result.modelErrors[0]).toMatch(/not valid JSON/);
    expect(result.assumptions[0]).toMatch(/no valid spec in 3 tries.*offline translator/);
    const offline = translate(request);
    expect(result.spec.networks).toEqual(offline.spec.networks);
    expect(result.spec.services.minecraft?.memoryMb).toBe(4096);
  });

  it("puts secrets back that the model only saw redacted", async () => {
    const current = spec({
      ...minecraftDemo,
      services: { minecraft: { ...minecraftDemo.services?.minecraft, env: { MAX_PLAYERS: "10", RCON_PASSWORD: { secret: "hunter2" } } } },
    });
    const echoed = structuredClone(minecraftDemo) as unknown as { services: { minecraft: { memoryMb?: number; env: Record<string, unknown> } } };
    echoed.services.minecraft.memoryMb = 8192;
    echoed.services.minecraft.env = { MAX_PLAYERS: "10", RCON_PASSWORD: { secret: "[secret]" } };
    const pair = await connect({ capabilities: { sampling: {} }, model: [JSON.stringify(echoed)] });
    const result = await pair.call("give minecraft 8GB", current);
    expect(JSON.stringify(pair.sampled)).not.toContain("hunter2");
    expect(result.via).toBe("model");
    expect(result.spec.services.minecraft?.memoryMb).toBe(8192);
    expect(result.spec.services.minecraft?.env.RCON_PASSWORD).toEqual({ secret: "hunter2" });
  });

  it("translates offline for a client without sampling", async () => {
    const pair = await connect({ capabilities: {} });
    const result = await pair.call(request);
    expect(result.via).toBe("offline");
    expect(result.attempts).toBe(0);
    expect(result.spec.services.minecraft?.memoryMb).toBe(4096);
    expect(pair.sampled).toHaveLength(0);
  });
});

describe("translateAssisted with elicitation", () => {
  const gameQuestion = /Which game should it be\?/;

  it("asks the person the translator's question and uses the answer", async () => {
    const pair = await connect({
      capabilities: { elicitation: {} },
      person: (params) => {
        const properties = "requestedSchema" in params ? params.requestedSchema.properties : {};
        const [id] = Object.keys(properties);
        return { action: "accept", content: { [id ?? "q1"]: "Minecraft" } };
      },
    });
    const result = await pair.call("deploy a game server on vlan 20");
    expect(pair.elicited).toHaveLength(1);
    const asked = pair.elicited[0];
    const properties = asked !== undefined && "requestedSchema" in asked ? asked.requestedSchema.properties : {};
    // A flat form: one string field per question.
    expect(Object.values(properties).map((p) => p.type)).toEqual(["string"]);
    expect(JSON.stringify(properties)).toMatch(gameQuestion);
    expect(result.questions).toEqual([]);
    expect(result.via).toBe("offline");
    expect(result.spec.networks.gaming?.vlan).toBe(20);
    expect(result.spec.services.minecraft?.template).toBe("minecraft-java");
  });

  it("asks again when the answer leaves a question, then gives the spec", async () => {
    let round = 0;
    const pair = await connect({
      capabilities: { elicitation: {} },
      person: () => ({ action: "accept", content: { q1: ++round === 1 ? "valheim" : "22" } }),
    });
    const result = await pair.call("deploy a game server");
    expect(pair.elicited).toHaveLength(2);
    expect(JSON.stringify(pair.elicited[1])).toMatch(/Which VLAN/);
    expect(result.questions).toEqual([]);
    expect(result.spec.services.valheim?.network).toBe("gaming");
    expect(result.spec.networks.gaming?.vlan).toBe(22);
  });

  it("returns the questions when the person declines", async () => {
    const pair = await connect({ capabilities: { elicitation: {} }, person: () => ({ action: "decline" }) });
    const result = await pair.call("deploy a game server on vlan 20");
    expect(pair.elicited).toHaveLength(1);
    expect(result.questions).toHaveLength(1);
    expect(result.questions[0]).toMatch(gameQuestion);
    expect(result.changes).toEqual([]);
    expect(result.spec).toEqual(translate("").spec);
  });

  it("returns the questions to a client without elicitation", async () => {
    const pair = await connect({ capabilities: {} });
    const result = await pair.call("deploy a game server on vlan 20");
    expect(result.questions[0]).toMatch(gameQuestion);
    expect(pair.elicited).toHaveLength(0);
  });

  it("passes the person's answers to the model when the model asked", async () => {
    const pair = await connect({
      capabilities: { sampling: {}, elicitation: {} },
      model: [JSON.stringify({ questions: ["Which game?"] }), goodAnswer],
      person: () => ({ action: "accept", content: { q1: "minecraft, 10 players" } }),
    });
    const result = await pair.call("deploy a game server on vlan 20");
    expect(JSON.stringify(pair.elicited[0])).toContain("Which game?");
    expect(userText(pair.sampled[1])).toContain("- Which game? → minecraft, 10 players");
    expect(result.via).toBe("model");
    expect(result.attempts).toBe(2);
    expect(result.spec).toEqual(demo);
  });
});

// Folding answers into the request is bosun's own logic; a plain ModelAccess
// with a scripted person is enough here (the MCP path is covered above).
describe("folding the person's answers into the request", () => {
  const person = (...answers: (string | undefined)[]) => {
    const asked: string[][] = [];
    return {
      asked,
      access: {
        elicit: async (questions: { id: string; text: string }[]) => {
          asked.push(questions.map((q) => q.text));
          const answer = answers[asked.length - 1];
          return answer === undefined ? undefined : { [questions[0]?.id ?? "q1"]: answer };
        },
      },
    };
  };

  it("replaces an ambiguous word with the chosen template", async () => {
    const p = person("Ghost");
    const result = await translateAssisted("I want a blog on vlan 10", undefined, p.access);
    expect(p.asked[0]?.[0]).toMatch(/could be WordPress or Ghost/);
    expect(result.questions).toEqual([]);
    expect(result.spec.services.ghost?.template).toBe("ghost");
    expect(result.spec.services.wordpress).toBeUndefined();
  });

  it("replaces an out-of-range number with the corrected one", async () => {
    const vlan = await translateAssisted("minecraft on VLAN 5000", undefined, person("20").access);
    expect(vlan.spec.networks.gaming?.vlan).toBe(20);
    const players = await translateAssisted("deploy minecraft for 500 players on vlan 20", undefined, person("10").access);
    expect(players.spec.services.minecraft?.memoryMb).toBe(4096);
  });

  it("does not read a bare number as whatever an example in the question mentions", async () => {
    const current = spec(minecraftDemo);
    const p = person("8", "8");
    const result = await translateAssisted("give minecraft more", current, p.access);
    expect(p.asked[0]?.[0]).toMatch(/move minecraft to VLAN 30/);
    expect(result.questions).toHaveLength(1);
    expect(result.spec).toEqual(current);
  });

  it("hands the questions back when asking fails", async () => {
    const result = await translateAssisted("deploy a game server", undefined, {
      elicit: async () => {
        throw new Error("client went away");
      },
    });
    expect(result.questions[0]).toMatch(/Which game/);
  });

  it("falls back offline when the model can't be asked", async () => {
    const result = await translateAssisted(request, undefined, {
      sample: async () => {
        throw new Error("sampling rejected by the user");
      },
    });
    expect(result.via).toBe("offline");
    expect(result.modelErrors).toEqual(["the model could not be asked: sampling rejected by the user"]);
    expect(result.spec.services.minecraft?.memoryMb).toBe(4096);
  });
});
