// completion/complete: suggestions for the arguments of bosun's resource
// templates and of its prompt — stack names, service names (of the stack
// already chosen), deployment ids, template names. Values are filtered by what
// was typed so far (case-insensitive prefix). A reference bosun does not know
// gets no suggestions rather than an error: completion is a hint to a person
// typing, and clients ask for it while the text is still incomplete.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { Extra } from "../tools/index.ts";
import type { Caller } from "../tools/results.ts";
import { CompleteRequestSchema, type CompleteRequest, type CompleteResult } from "@modelcontextprotocol/sdk/types.js";
import type { Db } from "../db/client.ts";
import { listHistory } from "../db/queries.ts";
import type { Orchestrator } from "../orchestrator/types.ts";
import { templateCatalog } from "../../../stacks/templates/catalog.ts";
import { componentLog } from "../observability/log.ts";

const MAX = 100;
const logger = componentLog("completions");

/**
 * Completions are a read: a caller without the `read` scope gets none, and a token limited to
 * some stacks is offered only those (and their services and deployments).
 */
export function registerCompletions(server: McpServer, orch: Orchestrator, db: Db, callerOf: (extra: Pick<Extra, "authInfo">) => Caller): void {
  server.server.registerCapabilities({ completions: {} });
  server.server.setRequestHandler(CompleteRequestSchema, async (request, extra): Promise<CompleteResult> => {
    const caller = callerOf(extra);
    if (!caller.scopes.includes("read")) return { completion: { values: [], total: 0, hasMore: false } };
    const typed = request.params.argument.value.toLowerCase();
    let candidates: string[] = [];
    try {
      candidates = await suggestions(request.params, orch, db);
    } catch (err) {
      logger.debug({ err: err instanceof Error ? err.message : String(err) }, "no completions");
    }
    // A token limited to some stacks does not learn the names of the others.
    const stackArgument = request.params.argument.name === "stack";
    if (caller.stacks && stackArgument) candidates = candidates.filter((s) => caller.stacks?.includes(s));
    const values = [...new Set(candidates)].filter((v) => v.toLowerCase().startsWith(typed));
    return { completion: { values: values.slice(0, MAX), total: values.length, hasMore: values.length > MAX } };
  });
}

async function suggestions(params: CompleteRequest["params"], orch: Orchestrator, db: Db): Promise<string[]> {
  const arg = params.argument.name;
  const context = params.context?.arguments ?? {};
  const key = params.ref.type === "ref/prompt" ? `prompt:${params.ref.name}` : `resource:${params.ref.uri}`;
  switch (`${key}#${arg}`) {
    case "resource:bosun://stacks/{stack}/spec#stack":
    case "resource:bosun://stacks/{stack}/services/{service}#stack":
    case "prompt:deploy-service#stack":
      return orch.listStacks();
    case "resource:bosun://stacks/{stack}/services/{service}#service":
      return serviceNames(orch, context["stack"]);
    case "resource:bosun://deployments/{id}#id":
      return (await listHistory(db, { limit: 50, ...(context["stack"] ? { stack: context["stack"] } : {}) })).map((d) => d.id);
    case "resource:bosun://templates/{name}#name":
    case "prompt:deploy-service#template":
      return Object.keys(templateCatalog).sort();
    default:
      return [];
  }
}

/** Services of the chosen stack, or of every stack when none is chosen yet. */
async function serviceNames(orch: Orchestrator, stack: string | undefined): Promise<string[]> {
  const stacks = stack ? [stack] : await orch.listStacks();
  const names: string[] = [];
  for (const s of stacks) {
    const spec = await orch.getSpec(s).catch(() => undefined);
    names.push(...Object.keys(spec?.services ?? {}));
  }
  return names.sort();
}
