// Read tools under load: `clients` sessions (each with its own token) calling
// one tool `calls` times each, all at once; and one client alone.
import { percentile, timeMs } from "./stats.ts";

/** The SDK client, or the bench's wire client (wire-client.ts). */
export interface Caller {
  callTool(params: { name: string; arguments: Record<string, unknown> }): Promise<Record<string, unknown>>;
}

export interface LoadFigures {
  p50: number;
  p99: number;
  max: number;
  perSecond: number;
}

/** A failed call would be fast and flatter the figures: it stops the bench instead. */
async function call(c: Caller, tool: string, stack: string): Promise<void> {
  const r = await c.callTool({ name: tool, arguments: { stack } });
  if (r["isError"]) throw new Error(`${tool} failed: ${JSON.stringify(r["content"])}`);
}

/** One client, `calls` calls in a row after one unmeasured call. */
export async function single(c: Caller, tool: string, stack: string, calls = 50): Promise<LoadFigures> {
  await call(c, tool, stack);
  const times: number[] = [];
  const wall = await timeMs(async () => {
    for (let i = 0; i < calls; i++) times.push(await timeMs(() => call(c, tool, stack)));
  });
  return figures(times, wall);
}

/**
 * Calls every tool in `tools` with every client at once, `calls` each in a row, `rounds` times,
 * unmeasured: a server that 50 people use has long run these paths, while the first round or so
 * of a fresh process mostly measures V8 compiling them (measured: the server's CPU per status
 * call 0.75 ms in the first round, 0.41 in the second, 0.34–0.42 after).
 */
export async function warmUp(clients: Caller[], tools: string[], stack: string, calls = 10, rounds = 1): Promise<void> {
  for (let r = 0; r < rounds; r++) for (const tool of tools) await round(clients, tool, stack, calls);
}

/** Every client at once, `calls` each in a row. */
export async function concurrent(clients: Caller[], tool: string, stack: string, calls = 10): Promise<LoadFigures> {
  const times: number[] = [];
  const wall = await timeMs(() => round(clients, tool, stack, calls, times));
  return figures(times, wall);
}

async function round(clients: Caller[], tool: string, stack: string, calls: number, times?: number[]): Promise<void> {
  await Promise.all(
    clients.map(async (c) => {
      for (let i = 0; i < calls; i++) {
        const ms = await timeMs(() => call(c, tool, stack));
        times?.push(ms);
      }
    }),
  );
}

function figures(times: number[], wallMs: number): LoadFigures {
  return { p50: percentile(times, 50), p99: percentile(times, 99), max: Math.max(...times), perSecond: (times.length / wallMs) * 1000 };
}

export const describe = (f: LoadFigures) =>
  `p50 ${f.p50.toFixed(1)} ms, p99 ${f.p99.toFixed(1)} ms, max ${f.max.toFixed(0)} ms, ${f.perSecond.toFixed(0)} calls/s`;
