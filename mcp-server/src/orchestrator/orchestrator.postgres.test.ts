// The orchestrator suite on Pulumi's own PostgreSQL state backend (the shared
// option: PULUMI_BACKEND_URL=postgres://…), in a table of its own.
import { orchestratorSuite } from "./orchestrator.suite.ts";

orchestratorSuite("postgres");
