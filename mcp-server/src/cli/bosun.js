#!/usr/bin/env node
// npm bin entry: Node 24 runs the TypeScript CLI directly.
import "./main.ts";
