// Lint for the whole tree (npm test runs it): typescript-eslint's recommended
// rules plus the type-aware ones that catch real bugs here — a promise nobody
// awaits (an apply whose failure is never seen) above all. A rule switched off
// for a line says why next to it.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/**", ".tools/**", ".state/**", "**/*.d.ts", "mcp-server/drizzle/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { arguments: false, attributes: false } }],
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "no-empty": ["error", { allowEmptyCatch: false }],
    },
  },
  {
    // Product code never swallows an error unseen: log it (logFailure) or handle it, and say why.
    files: ["mcp-server/**/*.ts", "stacks/**/*.ts", "components/**/*.ts", "providers/**/*.ts", "policy/**/*.ts", "scripts/**/*.ts"],
    ignores: ["**/*.test.ts", "**/*.suite.ts", "**/test/**"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector: "CallExpression[callee.property.name='catch'] > ArrowFunctionExpression[body.type='BlockStatement'][body.body.length=0]",
          message: "`.catch(() => {})` hides the failure: log it (logFailure in mcp-server/src/observability/log.ts) or handle it and say why.",
        },
      ],
    },
  },
  {
    // Plain JavaScript (the CLI's launcher, the policy pack's entry, tool configs): no type information.
    files: ["**/*.js", "**/*.cjs"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      parserOptions: { projectService: false },
      globals: { process: "readonly", console: "readonly", URL: "readonly", module: "writable", require: "readonly", __dirname: "readonly" },
    },
  },
);
