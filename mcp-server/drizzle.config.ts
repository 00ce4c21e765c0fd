// drizzle-kit configuration for the deployment log. Paths are relative to the repository root,
// where `npm run db:generate -- --name <desc>` runs. See mcp-server/src/db/schema.ts.
import type { Config } from "drizzle-kit";

export default {
  dialect: "postgresql",
  schema: "./mcp-server/src/db/schema.ts",
  out: "./mcp-server/drizzle",
  strict: true,
  verbose: true,
} satisfies Config;
