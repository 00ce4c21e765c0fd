// npm run bench -- <name> [args]: prints figures; never asserts on time.
const benches: Record<string, () => Promise<{ run(args: string[]): Promise<void> }>> = {
  engine: () => import("./engine.ts"),
  translate: () => import("./translate.ts"),
  mcp: () => import("./mcp.ts"),
  stack: () => import("./stack.ts"),
  opnsense: () => import("./opnsense.ts"),
  minecraft: () => import("./minecraft.ts"),
  all: () => import("./all.ts"),
};

const [name, ...args] = process.argv.slice(2);
const load = name ? benches[name] : undefined;
if (!load) {
  console.error(`usage: npm run bench -- <${Object.keys(benches).join("|")}>`);
  process.exit(2);
}
await (await load()).run(args);
