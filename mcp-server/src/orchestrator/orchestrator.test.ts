// The orchestrator suite on the file state backend (bosun's embedded default).
import { orchestratorSuite } from "./orchestrator.suite.ts";

orchestratorSuite("file");
