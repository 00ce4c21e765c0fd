// Public surface of the Docker Engine API client.
export * from "./engine.ts";
