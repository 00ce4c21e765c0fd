// The translator with help: the MCP client's model (sampling) proposes the
// spec, zod checks it, and the person (elicitation) answers the questions the
// translator would otherwise hand back. Everything falls back to the offline
// translator, so a client without either still gets an answer.
//
// Text from the person or the model is only ever data: it goes into prompts
// and the offline parser, and the model's answer into JSON.parse + zod. It is
// never executed nor put into a shell command or an API path.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import type { RequestId } from "@modelcontextprotocol/sdk/types.js";
import { emptySpec } from "../../../stacks/model/index.ts";
import type { SpecV1 } from "../../../stacks/model/index.ts";
import { buildTranslationPrompt, validateModelSpec } from "./prompt.ts";
import { MAX_TEXT_LENGTH } from "./text.ts";
import { translate } from "./translate.ts";
import type { Translation } from "./translate.ts";

export interface ModelAccess {
  /** Ask the client's model; returns its text answer. Undefined when the client has no sampling. */
  sample?: (prompt: { system: string; user: string; maxTokens: number }) => Promise<string>;
  /** Ask the person; returns answers by question id, or undefined when declined/cancelled. Undefined when no elicitation. */
  elicit?: (questions: { id: string; text: string }[]) => Promise<Record<string, string> | undefined>;
}

export type AssistedTranslation = Translation & {
  /** Who produced the result: the client's model, or the offline translator. */
  via: "model" | "offline";
  /** How many times the model was asked (0 without sampling). */
  attempts: number;
  /** Why model answers were rejected, one line per rejected answer. */
  modelErrors: string[];
};

/** One answer plus up to two corrections. */
const MAX_MODEL_ATTEMPTS = 3;
/** Rounds of questions to the person before handing the remaining questions back. */
const MAX_ELICIT_ROUNDS = 2;
/** Longest answer taken from the person; longer ones are cut. */
const MAX_ANSWER_LENGTH = 200;
/** How much of a rejected answer is quoted back to the model. */
const MAX_ECHO_LENGTH = 8000;

interface Answered {
  question: string;
  answer: string;
}

/**
 * Translates `text` against `currentSpec` with whatever the client offers.
 * With sampling the model answers first (validated; errors sent back up to
 * twice; offline fallback). With elicitation, questions go to the person and
 * their answers are folded into the request, which is translated again.
 */
export async function translateAssisted(text: string, currentSpec: SpecV1 | undefined, access: ModelAccess): Promise<AssistedTranslation> {
  const answered: Answered[] = [];
  let result = await translateOnce(text, answered, currentSpec, access);
  let attempts = result.attempts;
  const modelErrors = [...result.modelErrors];
  for (let round = 0; round < MAX_ELICIT_ROUNDS && result.questions.length > 0 && access.elicit !== undefined; round++) {
    const questions = result.questions.map((q, i) => ({ id: `q${i + 1}`, text: q }));
    let answers: Record<string, string> | undefined;
    try {
      answers = await access.elicit(questions);
    } catch {
      // A client that fails to ask is treated like a person who declined: the questions go back.
      answers = undefined;
    }
    if (answers === undefined) break;
    const fresh = questions.map((q) => ({ question: q.text, answer: cleanAnswer(answers[q.id] ?? "") })).filter((a) => a.answer !== "");
    if (fresh.length === 0) break;
    answered.push(...fresh);
    result = await translateOnce(text, answered, currentSpec, access);
    attempts += result.attempts;
    modelErrors.push(...result.modelErrors);
  }
  return { ...result, attempts, modelErrors };
}

/** One translation of the request plus the answers so far: model first when there is one, else offline. */
async function translateOnce(text: string, answered: Answered[], current: SpecV1 | undefined, access: ModelAccess): Promise<AssistedTranslation> {
  const offline = (attempts: number, modelErrors: string[], note?: string): AssistedTranslation => {
    const t = translate(offlineText(text, answered), current);
    return { ...t, assumptions: note === undefined ? t.assumptions : [note, ...t.assumptions], via: "offline", attempts, modelErrors };
  };
  // Too long for the offline reader is too long for a prompt too: the offline translator says so.
  if (access.sample === undefined || text.length > MAX_TEXT_LENGTH) return offline(0, []);

  const prompt = buildTranslationPrompt(modelText(text, answered), current);
  const request = prompt.messages[0]?.content.text ?? "";
  const modelErrors: string[] = [];
  let user = request;
  for (let attempt = 1; attempt <= MAX_MODEL_ATTEMPTS; attempt++) {
    let answer: string;
    try {
      answer = await access.sample({ system: prompt.systemPrompt, user, maxTokens: prompt.maxTokens });
    } catch (error) {
      modelErrors.push(`the model could not be asked: ${error instanceof Error ? error.message : String(error)}`);
      return offline(attempt, modelErrors, "the client's model could not be asked; used the offline translator");
    }
    const json = extractJson(answer);
    const asked = modelQuestions(json);
    if (asked !== undefined)
      return { spec: current ?? emptySpec(), changes: [], assumptions: [], questions: asked, via: "model", attempts: attempt, modelErrors };
    const checked = validateModelSpec(json ?? answer, current);
    if (checked.ok) {
      const assumptions = [`translated by the client's model${attempt > 1 ? ` (accepted on try ${attempt})` : ""}; check the changes before applying`];
      if (checked.changes.length === 0) assumptions.push("the model's spec changes nothing");
      return { spec: checked.spec, changes: checked.changes, assumptions, questions: [], via: "model", attempts: attempt, modelErrors };
    }
    modelErrors.push(checked.errors.map((e) => (e.path === "" ? e.message : `${e.path}: ${e.message}`)).join("; ") || "invalid answer");
    user = `${request}\n\nYour previous answer:\n${answer.slice(0, MAX_ECHO_LENGTH)}\n\n${checked.feedback}`;
  }
  return offline(
    MAX_MODEL_ATTEMPTS,
    modelErrors,
    `the client's model gave no valid spec in ${MAX_MODEL_ATTEMPTS} tries (last problem: ${modelErrors.at(-1) ?? "unknown"}); used the offline translator`,
  );
}

/** The JSON object in a model's answer: the whole text, a fenced block, or the outermost braces. */
function extractJson(answer: string): unknown {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(answer)?.[1];
  for (const candidate of [answer.trim(), fenced?.trim(), outermostObject(answer)]) {
    if (candidate === undefined || candidate === "") continue;
    try {
      return JSON.parse(candidate) as unknown;
    } catch {
      // try the next shape
    }
  }
  return undefined;
}

function outermostObject(text: string): string | undefined {
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  return start >= 0 && end > start ? text.slice(start, end + 1) : undefined;
}

/** `{"questions": [...]}` from the model: it asks instead of guessing. */
function modelQuestions(json: unknown): string[] | undefined {
  if (typeof json !== "object" || json === null || "version" in json) return undefined;
  const questions = (json as { questions?: unknown }).questions;
  if (!Array.isArray(questions) || questions.length === 0) return undefined;
  const texts = questions.filter((q): q is string => typeof q === "string" && q.trim() !== "").map((q) => q.trim().slice(0, 500));
  return texts.length > 0 ? texts : undefined;
}

/** An answer as plain one-line text: control characters out, length capped. */
function cleanAnswer(answer: string): string {
  return (
    answer
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced
      // eslint-disable-next-line no-control-regex -- control characters are what is replaced
      .replace(/[\u0000-\u001f\u007f]+/g, " ")
      .trim()
      .slice(0, MAX_ANSWER_LENGTH)
  );
}

/** For the model: the request, then the questions with the person's answers. */
function modelText(text: string, answered: Answered[]): string {
  if (answered.length === 0) return text;
  return `${text}\n\nAnswers to earlier questions:\n${answered.map((a) => `- ${a.question} → ${a.answer}`).join("\n")}`;
}

/**
 * For the offline parser: the request with each answer folded in. An answer to
 * "\"blog\" could be WordPress or Ghost" replaces the ambiguous word; a bare
 * number gets the unit its question asked for; anything else is appended.
 */
function offlineText(text: string, answered: Answered[]): string {
  let request = text;
  const extra: string[] = [];
  for (const a of answered) {
    const ambiguous = /^"([^"]+)" could be /.exec(a.question)?.[1];
    const at = ambiguous === undefined ? -1 : request.toLowerCase().indexOf(ambiguous.toLowerCase());
    const corrected = correctNumber(request, a);
    if (ambiguous !== undefined && at >= 0) request = `${request.slice(0, at)}${a.answer}${request.slice(at + ambiguous.length)}`;
    else if (corrected !== undefined) request = corrected;
    else extra.push(foldAnswer(a.question, a.answer));
  }
  return [request, ...extra].join("\n");
}

/** Questions about one out-of-range number in the request ("VLAN 5000 is not valid"): the answer's number replaces it. */
const OUT_OF_RANGE = [/^VLAN (\d+) is not valid/, /^Port (\d+) is not valid/, /^(\d+) players is more than/, /^(\d+) cores is out of range/];

function correctNumber(request: string, a: Answered): string | undefined {
  const wrong = OUT_OF_RANGE.map((pattern) => pattern.exec(a.question)?.[1]).find((n) => n !== undefined);
  const right = /\d+/.exec(a.answer)?.[0];
  if (wrong === undefined || right === undefined) return undefined;
  const mentions = request.match(new RegExp(`\\b${wrong}\\b`, "g")) ?? [];
  return mentions.length === 1 ? request.replace(new RegExp(`\\b${wrong}\\b`), right) : undefined;
}

/** Units for bare-number answers, by what the question asks (not by examples it mentions). */
const NUMBER_UNITS: [RegExp, (n: number) => string][] = [
  [/\bwhich VLAN\b/i, (n) => `on VLAN ${n}`],
  [/\bhow many players\b/i, (n) => `for ${n} players`],
  [/\bwhich port\b/i, (n) => `port ${n}`],
  [/\bhow many cores\b/i, (n) => `${n} cores`],
  [/\bhow much disk\b/i, (n) => `${n}GB disk`],
  [/\bhow much memory\b/i, (n) => (n <= 1024 ? `${n}GB` : `${n}MB`)],
];

function foldAnswer(question: string, answer: string): string {
  if (/^\d+$/.test(answer)) {
    const unit = NUMBER_UNITS.find(([asks]) => asks.test(question));
    if (unit !== undefined) return unit[1](Number(answer));
  }
  if (/^[a-z][a-z0-9-]*$/i.test(answer) && /^which network\b/i.test(question)) return `on the ${answer} network`;
  return answer;
}

/** Options tying the client requests to the tool call that needs them (cancellation, routing on HTTP). */
export interface RelatedRequest {
  requestId?: RequestId;
  signal?: AbortSignal;
}

/** A model can take a while; a person longer. */
const SAMPLING_TIMEOUT_MS = 120_000;
const ELICITATION_TIMEOUT_MS = 600_000;

/**
 * ModelAccess over the connected client. The capabilities are read when
 * `sample`/`elicit` are looked at, so this can be built before the client
 * has initialized; pass the tool call's `extra` ({ requestId, signal }) so
 * the requests travel with that call.
 */
export function modelAccessFromServer(server: McpServer | Server, related: RelatedRequest = {}): ModelAccess {
  const low = server instanceof McpServer ? server.server : server;
  const base = {
    ...(related.requestId !== undefined ? { relatedRequestId: related.requestId } : {}),
    ...(related.signal !== undefined ? { signal: related.signal } : {}),
  };

  const sample = async (prompt: { system: string; user: string; maxTokens: number }): Promise<string> => {
    const result = await low.createMessage(
      {
        systemPrompt: prompt.system,
        messages: [{ role: "user", content: { type: "text", text: prompt.user } }],
        maxTokens: prompt.maxTokens,
        includeContext: "none",
        temperature: 0,
      },
      { ...base, timeout: SAMPLING_TIMEOUT_MS },
    );
    if (result.content.type !== "text") throw new Error(`the model answered with ${result.content.type} content, not text`);
    return result.content.text;
  };

  const elicit = async (questions: { id: string; text: string }[]): Promise<Record<string, string> | undefined> => {
    const properties = Object.fromEntries(
      questions.map((q) => [
        q.id,
        { type: "string" as const, title: q.text.length <= 120 ? q.text : `${q.text.slice(0, 117)}...`, description: q.text, maxLength: MAX_ANSWER_LENGTH },
      ]),
    );
    const result = await low.elicitInput(
      {
        mode: "form",
        message:
          questions.length === 1 ? "bosun needs one answer to translate your request." : `bosun needs ${questions.length} answers to translate your request.`,
        requestedSchema: { type: "object", properties },
      },
      { ...base, timeout: ELICITATION_TIMEOUT_MS },
    );
    if (result.action !== "accept" || result.content === undefined) return undefined;
    const answers: Record<string, string> = {};
    for (const q of questions) {
      const value = result.content[q.id];
      if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") answers[q.id] = String(value);
    }
    return answers;
  };

  return {
    get sample() {
      return low.getClientCapabilities()?.sampling !== undefined ? sample : undefined;
    },
    get elicit() {
      const elicitation = low.getClientCapabilities()?.elicitation;
      return elicitation !== undefined && elicitation.form !== undefined ? elicit : undefined;
    },
  };
}
