// Event bus, in-process and on the real Redis from scripts/services.sh (BOSUN_REDIS_URL).
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { createEventBus, eventBusOptionsFromEnv } from "./events.ts";
import type { DeploymentEvent, EventBus, EventBusOptions } from "./events.ts";

const redisUrl = process.env["BOSUN_REDIS_URL"];
const keyPrefix = `bosun-test:${randomUUID().slice(0, 8)}:`;
const uniqueStack = () => `stack-${randomUUID().slice(0, 8)}`;

/** Resolves with the first `n` events a handler receives, or rejects after `ms`. */
function collect(n: number, ms = 3_000) {
  const events: DeploymentEvent[] = [];
  let resolve: (e: DeploymentEvent[]) => void = () => {};
  const done = new Promise<DeploymentEvent[]>((res, rej) => {
    resolve = res;
    setTimeout(() => rej(new Error(`received ${events.length} of ${n} events: ${JSON.stringify(events)}`)), ms);
  });
  const handler = (e: DeploymentEvent) => {
    events.push(e);
    if (events.length === n) resolve(events);
  };
  return { handler, done, events };
}

const backends: { name: string; available: boolean; options: EventBusOptions }[] = [
  { name: "memory", available: true, options: {} },
  { name: "redis", available: Boolean(redisUrl), options: { redisUrl: redisUrl ?? "", keyPrefix } },
];

for (const backend of backends) {
  // The redis backend needs BOSUN_REDIS_URL (the Redis setup starts). Skipped only outside scripts/with-env.sh;
  // npm test always sets it, and scripts/test.sh fails a CI run that skipped anything.
  describe.skipIf(!backend.available)(`event bus (${backend.name})`, () => {
    const buses: EventBus[] = [];
    const bus = () => {
      const b = createEventBus(backend.options);
      buses.push(b);
      return b;
    };
    afterAll(async () => {
      await Promise.all(buses.map((b) => b.close()));
    });

    // On Redis, publisher and subscriber are different connections (as two processes would be);
    // in memory, one bus only reaches its own subscribers.
    const pair = () => {
      const subscriber = bus();
      return { subscriber, publisher: backend.name === "redis" ? bus() : subscriber };
    };

    it("delivers a stack's events in order to its subscribers only", async () => {
      const { subscriber, publisher } = pair();
      const stack = uniqueStack();
      const mine = collect(3);
      const other = collect(1, 500);
      await subscriber.subscribe(stack, mine.handler);
      await subscriber.subscribe(uniqueStack(), other.handler);
      for (let seq = 0; seq < 3; seq++) {
        await publisher.publish({ stack, type: "engine", deploymentId: "d1", seq, payload: { n: seq } });
      }
      const got = await mine.done;
      expect(got.map((e) => [e.stack, e.seq, e.payload])).toEqual([
        [stack, 0, { n: 0 }],
        [stack, 1, { n: 1 }],
        [stack, 2, { n: 2 }],
      ]);
      expect(Date.parse(got[0]!.at)).not.toBeNaN();
      await expect(other.done).rejects.toThrow(/received 0 of 1/);
    });

    it("delivers every stack to a '*' subscriber", async () => {
      const { subscriber, publisher } = pair();
      const all = collect(2);
      await subscriber.subscribe("*", all.handler);
      const [s1, s2] = [uniqueStack(), uniqueStack()];
      await publisher.publish({ stack: s1, type: "deployment.started" });
      await publisher.publish({ stack: s2, type: "deployment.finished", at: "2025-01-01T00:00:00.000Z" });
      const got = await all.done;
      expect(got.map((e) => [e.stack, e.type])).toEqual([
        [s1, "deployment.started"],
        [s2, "deployment.finished"],
      ]);
      expect(got[1]?.at).toBe("2025-01-01T00:00:00.000Z");
    });

    it("stops delivering after unsubscribe, keeping other handlers", async () => {
      const { subscriber, publisher } = pair();
      const stack = uniqueStack();
      const first = collect(1, 1_000);
      const second = collect(2);
      const stop = await subscriber.subscribe(stack, first.handler);
      await subscriber.subscribe(stack, second.handler);
      await stop();
      await stop(); // idempotent
      await publisher.publish({ stack, type: "a" });
      await subscriber.unsubscribe(stack, () => {}); // unknown handler: no-op
      await publisher.publish({ stack, type: "b" });
      expect((await second.done).map((e) => e.type)).toEqual(["a", "b"]);
      expect(first.events).toEqual([]);
    });

    it("isolates a throwing handler", async () => {
      const { subscriber, publisher } = pair();
      const stack = uniqueStack();
      const ok = collect(1);
      const originalError = console.error;
      console.error = () => {};
      try {
        await subscriber.subscribe(stack, () => {
          throw new Error("follower bug");
        });
        await subscriber.subscribe(stack, ok.handler);
        await publisher.publish({ stack, type: "x" });
        expect(await ok.done).toHaveLength(1);
      } finally {
        console.error = originalError;
      }
    });

    it("refuses an event without a stack", async () => {
      await expect(bus().publish({ stack: "", type: "x" })).rejects.toThrow(/without a stack/);
      await expect(bus().publish({ stack: "*", type: "x" })).rejects.toThrow(/without a stack/);
    });
  });
}

// Needs BOSUN_REDIS_URL (the Redis setup starts). Skipped only outside scripts/with-env.sh; npm test
// always sets it, and scripts/test.sh fails a CI run that skipped anything.
describe.skipIf(!redisUrl)("event bus wire format (redis)", () => {
  it("publishes JSON on bosun-style channels <prefix>events:<stack>", async () => {
    const raw = new Redis(redisUrl ?? "");
    const bus = createEventBus({ redisUrl: redisUrl ?? "", keyPrefix });
    const stack = uniqueStack();
    try {
      const received = new Promise<[string, string]>((resolve) => raw.on("message", (c: string, m: string) => resolve([c, m])));
      await raw.subscribe(`${keyPrefix}events:${stack}`);
      await bus.publish({ stack, type: "deployment.planned", deploymentId: "d" });
      const [channel, message] = await received;
      expect(channel).toBe(`${keyPrefix}events:${stack}`);
      expect(JSON.parse(message)).toMatchObject({ stack, type: "deployment.planned", deploymentId: "d" });
    } finally {
      await bus.close();
      raw.disconnect();
    }
  });
});

describe("eventBusOptionsFromEnv", () => {
  it("uses Redis only when REDIS_URL is set", () => {
    expect(eventBusOptionsFromEnv({ BOSUN_REDIS_URL: "redis://x" })).toEqual({});
    expect(eventBusOptionsFromEnv({ REDIS_URL: "redis://127.0.0.1:6379" })).toEqual({ redisUrl: "redis://127.0.0.1:6379" });
  });
});
