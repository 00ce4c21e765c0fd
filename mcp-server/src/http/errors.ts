// Every answer of the HTTP transport is JSON-RPC shaped JSON: malformed bodies,
// unknown paths and unexpected failures included. No HTML page, no stack
// trace, no file path ever leaves the server.
import type { NextFunction, Request, Response } from "express";

/** JSON-RPC error codes bosun answers with at the HTTP edge. */
export const RPC = { parseError: -32700, invalidRequest: -32600, internalError: -32603, server: -32000, sessionNotFound: -32001 } as const;

export function rpcError(res: Response, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.status(status).json({ jsonrpc: "2.0", error: { code, message }, id: null });
}

/** Express's last error handler: body-parser failures become JSON-RPC errors, anything else an opaque internal error. */
export function jsonErrorHandler(err: unknown, _req: Request, res: Response, _next: NextFunction): void {
  const type = (err as { type?: string } | null)?.type;
  if (type === "entity.parse.failed") return rpcError(res, 400, RPC.parseError, "Parse error: the body is not valid JSON");
  if (type === "entity.too.large") return rpcError(res, 413, RPC.invalidRequest, "Invalid Request: the body is too large");
  if (type === "encoding.unsupported" || type === "charset.unsupported")
    return rpcError(res, 415, RPC.invalidRequest, "Invalid Request: unsupported body encoding");
  if (type === "request.aborted" || type === "request.size.invalid" || type === "stream.encoding.set")
    return rpcError(res, 400, RPC.invalidRequest, "Invalid Request: the body could not be read");
  console.error(`bosun http: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
  rpcError(res, 500, RPC.internalError, "Internal error");
}

export function notFound(_req: Request, res: Response): void {
  rpcError(res, 404, RPC.invalidRequest, "Not found: the MCP endpoint is /mcp");
}

/** Wraps an async handler so a rejection becomes a JSON-RPC internal error. */
export function safe(fn: (req: Request, res: Response) => Promise<void>) {
  return (req: Request, res: Response, next: NextFunction) => {
    fn(req, res).catch(next);
  };
}
