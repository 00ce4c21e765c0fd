// Writes stacks/model/spec.schema.json from the zod schema.
// Run after changing the schema: npx tsx stacks/model/write-json-schema.ts
// (spec.test.ts fails while the committed file is stale).
import { writeFileSync } from "node:fs";
import { specJsonSchema } from "./index.ts";

/** The file's exact contents, shared with the staleness test. */
export function jsonSchemaText(): string {
  return `${JSON.stringify(specJsonSchema(), null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const target = new URL("./spec.schema.json", import.meta.url);
  writeFileSync(target, jsonSchemaText());
  console.log(`wrote ${target.pathname}`);
}
