// Resource subscriptions and list-changed notifications.
// - resources/subscribe: a deployment's resource (bosun://deployments/{id})
//   gets notifications/resources/updated while it runs (from the event bus,
//   at most a few per second); a stack's spec and service resources when one
//   of its deployments finishes. Any URI may be subscribed; only bosun's ever
//   change.
// - notifications/resources/list_changed when the list of stacks changes
//   (a stack file appears or goes): one poll per orchestrator, shared by its
//   sessions.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { SubscribeRequestSchema, UnsubscribeRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import type { DeploymentEvent, EventBus, Unsubscribe } from "../coordination/events.ts";
import type { Orchestrator } from "../orchestrator/types.ts";
import { onConnection } from "./lifecycle.ts";
import { logFailure } from "../observability/log.ts";

/** Minimum time between two updates of one resource while a deployment runs. */
const UPDATE_EVERY_MS = 250;

export function enableSubscriptions(server: McpServer, deps: { orchestrator: Orchestrator; events?: EventBus | undefined }): void {
  server.server.registerCapabilities({ resources: { subscribe: true, listChanged: true } });
  const subscribed = new Set<string>();
  const pending = new Map<string, ReturnType<typeof setTimeout>>();
  let unsubscribeBus: Promise<Unsubscribe | undefined> | undefined;
  let closed = false;

  const send = (uri: string) => {
    if (!closed && subscribed.has(uri)) void server.server.sendResourceUpdated({ uri }).catch(logFailure("mcp", "sending a resource update"));
  };
  const throttled = (uri: string) => {
    if (pending.has(uri)) return;
    send(uri);
    pending.set(
      uri,
      setTimeout(() => {
        pending.delete(uri);
      }, UPDATE_EVERY_MS),
    );
  };
  const onEvent = (event: DeploymentEvent) => {
    if (event.deploymentId) {
      const uri = `bosun://deployments/${event.deploymentId}`;
      // The last word of a deployment always goes out; engine chatter is thinned.
      if (event.type === "engine") throttled(uri);
      else send(uri);
    }
    if (event.type === "deployment.finished") {
      for (const uri of subscribed) if (uri.startsWith(`bosun://stacks/${event.stack}/`)) send(uri);
    }
  };

  server.server.setRequestHandler(SubscribeRequestSchema, async (request) => {
    subscribed.add(request.params.uri);
    if (deps.events && !unsubscribeBus) unsubscribeBus = deps.events.subscribe("*", onEvent).catch(() => undefined);
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
    subscribed.delete(request.params.uri);
    return {};
  });

  let stopWatching: (() => void) | undefined;
  onConnection(server, {
    opened: () => {
      stopWatching = watchStackList(deps.orchestrator, () => server.sendResourceListChanged());
    },
    closed: () => {
      closed = true;
      stopWatching?.();
      for (const t of pending.values()) clearTimeout(t);
      void unsubscribeBus?.then((u) => u?.());
    },
  });
}

const POLL_MS = 2000;
const watchers = new Map<Orchestrator, { listeners: Set<() => void>; timer: ReturnType<typeof setInterval>; last: string | undefined }>();

/** Calls `changed` whenever the orchestrator's stack list changes; returns the stop. */
export function watchStackList(orch: Orchestrator, changed: () => void): () => void {
  let w = watchers.get(orch);
  if (!w) {
    const entry = { listeners: new Set<() => void>(), timer: setInterval(() => void poll(), POLL_MS), last: undefined as string | undefined };
    entry.timer.unref();
    const poll = async () => {
      const now = JSON.stringify(await orch.listStacks().catch(() => undefined));
      if (now === undefined) return;
      if (entry.last !== undefined && entry.last !== now) for (const l of entry.listeners) l();
      entry.last = now;
    };
    void poll();
    watchers.set(orch, entry);
    w = entry;
  }
  w.listeners.add(changed);
  const entry = w;
  return () => {
    entry.listeners.delete(changed);
    if (entry.listeners.size === 0) {
      clearInterval(entry.timer);
      watchers.delete(orch);
    }
  };
}
