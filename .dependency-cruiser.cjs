// The layers, as rules (npm test runs `depcruise`): mcp-server → stacks →
// components → providers, never the other way (the policy pack sits beside the
// program: the server runs it); and across a layer only through
// its entry points, so a module's insides can change without breaking callers.
// Tests and benchmarks are not product code and may reach anywhere.
const notTests = "(^test/|\\.test\\.ts$|\\.suite\\.ts$|^scripts/|/test/)";

module.exports = {
  forbidden: [
    { name: "providers-stay-low", severity: "error", comment: "providers know nothing of components, the program or the server",
      from: { path: "^providers/", pathNot: notTests }, to: { path: "^(components|stacks|mcp-server)/" } },
    { name: "components-below-program", severity: "error", comment: "components take their own args; the program maps the spec onto them",
      from: { path: "^components/", pathNot: notTests }, to: { path: "^(stacks|mcp-server)/" } },
    { name: "program-below-server", severity: "error", comment: "the Pulumi program runs without the MCP server",
      from: { path: "^stacks/", pathNot: notTests }, to: { path: "^mcp-server/" } },
    { name: "policy-beside-program", severity: "error", comment: "the policy pack judges resources; it uses the address library, not components or the server",
      from: { path: "^policy/", pathNot: notTests }, to: { path: "^(components|mcp-server)/" } },
    { name: "policy-from-server-only", severity: "error", comment: "only the server (and the engine, through the pack) runs policy",
      from: { path: "^(stacks|components|providers)/", pathNot: notTests }, to: { path: "^policy/" } },
    { name: "providers-independent", severity: "error",
      comment: "one provider does not reach into another's resources; shared code lives in providers/kit, and an API's one client (client/index.ts) serves every provider that talks to it",
      from: { path: "^providers/([^/]+)/", pathNot: notTests }, to: { path: "^providers/", pathNot: ["^providers/$1/", "^providers/kit/", "^providers/[^/]+/client/index\\.ts$"] } },
    { name: "entry-points-only", severity: "error",
      comment: "across layers, import a package's entry point (index.ts, or a module its index names as public), not its insides",
      from: { path: "^(mcp-server|stacks|components|policy)/", pathNot: notTests },
      to: {
        path: "^(stacks/model|components|providers/[^/]+|policy)/",
        pathNot: [
          "^$1/",
          "^stacks/model/(index|support|mapping|addresses|names|rules)\\.ts$",
          "^stacks/templates/",
          "^components/index\\.ts$",
          "^policy/engine/index\\.ts$",
          "^providers/[^/]+/(index|resources/index|client/index|simulator/server)\\.ts$",
          "^providers/kit/(index|net|host-paths|calls|places)\\.ts$",
        ],
      } },
    { name: "no-circular", severity: "error", from: { pathNot: notTests }, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^node_modules|^\\.tools|^\\.state)" },
    tsConfig: { fileName: "tsconfig.json" },
    // Type-only imports vanish at run time; a cycle of types is harmless.
    tsPreCompilationDeps: false,
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};
