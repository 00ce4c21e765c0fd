// The language runtime a plan's preview runs the stack program in (see
// program-runtime.ts): `node program-runtime-worker.ts <program file>`, started
// in the program's folder with the environment the CLI gets. It serves
// Pulumi's LanguageRuntime over gRPC on loopback (the Automation API's own
// inline-program server), prints `PORT <n>`, loads the program's modules while
// the CLI starts, and runs the program once when the engine asks; it exits when
// its parent closes its stdin.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const program = process.argv[2];
if (!program) {
  console.error("usage: program-runtime-worker.ts <program file>");
  process.exit(2);
}
process.stdin.on("close", () => process.exit(0)).resume();

// The program's own copy of @pulumi/pulumi (and the gRPC library it was built with): one runtime state, as in the language host.
const fromProgram = createRequire(program);
const sdk = fromProgram.resolve("@pulumi/pulumi/package.json");
const fromSdk = createRequire(sdk);
const grpc = fromSdk("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
const { LanguageRuntimeService } = fromSdk("./proto/language_grpc_pb.js");
const { LanguageServer } = fromSdk("./automation/server.js");
const { grpcChannelOptions } = fromSdk("./runtime/index.js");

const url = pathToFileURL(program).href;
let loaded: Promise<unknown> = Promise.resolve();
const server = new grpc.Server(grpcChannelOptions);
server.addService(
  LanguageRuntimeService,
  new LanguageServer(async () => {
    await loaded.catch(() => undefined); // a module that fails to load fails again below, as the program's own error
    console.log("RUN");
    // The stack's outputs are the program module's exports, as the language host takes them.
    return { ...(await import(url)) };
  }),
);
const port = await new Promise<number>((resolve, reject) =>
  server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
);
console.log(`PORT ${port}`);
loaded = Promise.all(staticImports(readFileSync(program, "utf8")).map((spec) => import(spec.startsWith(".") ? new URL(spec, url).href : spec)));

/** The module specifiers of the program's static imports: loading them first leaves the program only its own top level to run. */
function staticImports(text: string): string[] {
  return [...text.matchAll(/^import\s(?:[^;"']*?\sfrom\s)?["']([^"']+)["'];?$/gm)].flatMap((m) => (m[1] ? [m[1]] : []));
}
