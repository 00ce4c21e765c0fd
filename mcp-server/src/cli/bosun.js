#!/usr/bin/env node
// npm bin entry. bosun is TypeScript run by Node 24's type stripping; a client
// may start this with an older `node` from a minimal environment, so in that
// case the project's own Node (installed by setup into .tools/node) runs it.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import module from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const [major, minor] = process.versions.node.split(".").map(Number);
if (major > 23 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18)) {
  // Node's module compile cache (scripts/env.sh sets it for a shell; here for a client's minimal environment).
  const state = process.env.BOSUN_STATE || fileURLToPath(new URL("../../../.state", import.meta.url));
  module.enableCompileCache?.(process.env.NODE_COMPILE_CACHE || join(state, "node-compile-cache"));
  await import("./main.ts");
} else {
  const node = fileURLToPath(new URL("../../../.tools/node/bin/node", import.meta.url));
  const main = fileURLToPath(new URL("./main.ts", import.meta.url));
  if (!existsSync(node)) {
    console.error(`bosun needs Node 22.18 or newer (this is ${process.version}); run \`npm run setup\` in the bosun folder first`);
    process.exit(1);
  }
  const child = spawn(node, [main, ...process.argv.slice(2)], { stdio: "inherit" });
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => (signal ? process.kill(process.pid, signal) : process.exit(code ?? 1)));
}
