/**
 * Deployment events for live followers (MCP progress, a `bosun watch`, another replica).
 *
 * With a Redis URL, events go over Redis pub/sub on channel `<prefix>events:<stack>`, so a
 * process sees the events of operations run by another. Without one, the bus delivers to its
 * own subscribers only (one process, one bus). Delivery is at-most-once and only to current subscribers; the
 * durable record is the deployment log (db/queries.ts).
 */
import { Redis } from "ioredis";
import { errorText, log } from "../observability/log.ts";

/** One event; `payload` must be JSON and secrets-redacted. */
export interface DeploymentEvent {
  stack: string;
  /** e.g. `deployment.planned`, `deployment.started`, `deployment.finished`, `engine`. */
  type: string;
  deploymentId?: string;
  /** Position within the deployment's engine events, when it is one. */
  seq?: number;
  /** ISO time; set by `publish` when absent. */
  at: string;
  payload?: unknown;
}

export type EventHandler = (event: DeploymentEvent) => void;
/** Stops a subscription. Idempotent. */
export type Unsubscribe = () => Promise<void>;

export interface EventBus {
  readonly backend: "redis" | "memory";
  publish(event: Omit<DeploymentEvent, "at"> & { at?: string }): Promise<void>;
  /** Events of one stack, or of every stack with `"*"`. Resolves once the subscription is live. */
  subscribe(stack: string, handler: EventHandler): Promise<Unsubscribe>;
  unsubscribe(stack: string, handler: EventHandler): Promise<void>;
  close(): Promise<void>;
}

export interface EventBusOptions {
  /** Redis URL; without it events stay in the process. @example "redis://127.0.0.1:63799" */
  redisUrl?: string;
  /** @default "bosun:" */
  keyPrefix?: string;
}

/** Options the product reads from its environment: `REDIS_URL` selects Redis. */
export function eventBusOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): EventBusOptions {
  const redisUrl = env["REDIS_URL"]?.trim();
  const keyPrefix = env["BOSUN_REDIS_PREFIX"]?.trim();
  return { ...(redisUrl ? { redisUrl } : {}), ...(keyPrefix ? { keyPrefix: `${keyPrefix}:` } : {}) };
}

export function createEventBus(options: EventBusOptions = {}): EventBus {
  const prefix = `${options.keyPrefix ?? "bosun:"}events:`;
  return options.redisUrl ? new RedisEventBus(options.redisUrl, prefix) : new MemoryEventBus(prefix);
}

const ALL = "*";

/** Handlers by channel, shared by both implementations. */
class Handlers {
  private readonly byChannel = new Map<string, Set<EventHandler>>();

  /** Returns true when this is the channel's first handler. */
  add(channel: string, handler: EventHandler): boolean {
    let set = this.byChannel.get(channel);
    const first = !set;
    if (!set) this.byChannel.set(channel, (set = new Set()));
    set.add(handler);
    return first;
  }

  /** Returns true when the channel has no handler left. */
  remove(channel: string, handler: EventHandler): boolean {
    const set = this.byChannel.get(channel);
    if (!set?.delete(handler)) return false;
    if (set.size > 0) return false;
    this.byChannel.delete(channel);
    return true;
  }

  dispatch(channel: string, event: DeploymentEvent): void {
    for (const handler of [...(this.byChannel.get(channel) ?? [])]) {
      try {
        handler(event);
      } catch (err) {
        // One broken follower must not stop the others or the publisher.
        log.error({ component: "events", channel, err: errorText(err) }, "event handler failed");
      }
    }
  }

  clear(): void {
    this.byChannel.clear();
  }

  channels(): string[] {
    return [...this.byChannel.keys()];
  }
}

function stamp(event: Omit<DeploymentEvent, "at"> & { at?: string }): DeploymentEvent {
  if (!event.stack || event.stack === ALL) throw new Error(`cannot publish an event without a stack name (got ${JSON.stringify(event.stack)})`);
  return { ...event, at: event.at ?? new Date().toISOString() };
}

class MemoryEventBus implements EventBus {
  readonly backend = "memory" as const;
  private readonly handlers = new Handlers();
  private readonly prefix: string;

  constructor(prefix: string) {
    this.prefix = prefix;
  }

  async publish(event: Omit<DeploymentEvent, "at"> & { at?: string }): Promise<void> {
    const stamped = stamp(event);
    // Deliver asynchronously, like Redis, so a publisher never runs its followers' code inline.
    const copy = structuredClone(stamped);
    queueMicrotask(() => {
      this.handlers.dispatch(this.prefix + stamped.stack, copy);
      this.handlers.dispatch(this.prefix + ALL, copy);
    });
  }

  async subscribe(stack: string, handler: EventHandler): Promise<Unsubscribe> {
    this.handlers.add(this.prefix + stack, handler);
    return () => this.unsubscribe(stack, handler);
  }

  async unsubscribe(stack: string, handler: EventHandler): Promise<void> {
    this.handlers.remove(this.prefix + stack, handler);
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}

class RedisEventBus implements EventBus {
  readonly backend = "redis" as const;
  private readonly pub: Redis;
  /** A connection in subscriber mode cannot publish, hence two. Opened on first subscribe. */
  private sub: Redis | undefined;
  private readonly handlers = new Handlers();
  private readonly url: string;
  private readonly prefix: string;

  constructor(url: string, prefix: string) {
    this.url = url;
    this.prefix = prefix;
    this.pub = new Redis(url, { maxRetriesPerRequest: 2, connectTimeout: 5_000 });
    this.pub.on("error", () => {});
  }

  async publish(event: Omit<DeploymentEvent, "at"> & { at?: string }): Promise<void> {
    const stamped = stamp(event);
    await this.pub.publish(this.prefix + stamped.stack, JSON.stringify(stamped));
  }

  async subscribe(stack: string, handler: EventHandler): Promise<Unsubscribe> {
    const channel = this.prefix + stack;
    const sub = this.subscriber();
    if (this.handlers.add(channel, handler)) {
      try {
        if (stack === ALL) await sub.psubscribe(channel);
        else await sub.subscribe(channel);
      } catch (err) {
        this.handlers.remove(channel, handler);
        throw err;
      }
    }
    return () => this.unsubscribe(stack, handler);
  }

  async unsubscribe(stack: string, handler: EventHandler): Promise<void> {
    const channel = this.prefix + stack;
    if (!this.handlers.remove(channel, handler) || !this.sub) return;
    if (stack === ALL) await this.sub.punsubscribe(channel);
    else await this.sub.unsubscribe(channel);
  }

  async close(): Promise<void> {
    this.handlers.clear();
    await Promise.allSettled([this.pub.quit(), ...(this.sub ? [this.sub.quit()] : [])]);
  }

  private subscriber(): Redis {
    if (this.sub) return this.sub;
    const sub = new Redis(this.url, { maxRetriesPerRequest: 2, connectTimeout: 5_000 });
    sub.on("error", () => {});
    const deliver = (channel: string, message: string) => {
      let event: DeploymentEvent;
      try {
        event = JSON.parse(message) as DeploymentEvent;
      } catch {
        return; // not ours
      }
      this.handlers.dispatch(channel, event);
    };
    sub.on("message", deliver);
    sub.on("pmessage", (pattern: string, _channel: string, message: string) => deliver(pattern, message));
    this.sub = sub;
    return sub;
  }
}
