// Reading single Compose fields: ports, volumes, environment, sizes, durations,
// commands and ${VAR} interpolation, as the Compose specification writes them.
// Each reader returns a value or a problem in words; import.ts names the field.

export type Read<T> = { ok: true; value: T } | { ok: false; problem: string };
const ok = <T>(value: T): Read<T> => ({ ok: true, value });
const no = <T>(problem: string): Read<T> => ({ ok: false, problem });

/**
 * Compose interpolation: `$$` is a literal `$`; `${VAR:-default}` and `${VAR-default}` take the
 * default. bosun reads neither the shell's environment nor a .env file, so a variable without a
 * default is a problem (a deployment must not depend on who ran it).
 */
export function interpolate(text: string): Read<string> {
  let problem: string | undefined;
  const out = text.replace(/\$\$|\$\{([^}]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced: string | undefined, bare: string | undefined) => {
    if (whole === "$$") return "$";
    const expr = braced ?? bare ?? "";
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)(.*)|(:?\?)(.*)|(:?\+)(.*))?$/s.exec(expr);
    if (m === null) {
      problem ??= `"${whole}" is not a Compose variable`;
      return whole;
    }
    if (m[2] !== undefined) return m[3] ?? "";
    problem ??= `${whole} needs a value: bosun reads neither your shell nor a .env file; write the value, or \${${m[1]}:-default}`;
    return whole;
  });
  return problem === undefined ? ok(out) : no(problem);
}

/** "512m", "1g", "1.5G", "256M", 536870912 → MiB (rounded up). */
export function mebibytes(value: unknown): Read<number> {
  if (typeof value === "number" && value > 0) return ok(Math.ceil(value / 1024 ** 2));
  const m = typeof value === "string" ? /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?$/i.exec(value.trim()) : null;
  if (m === null) return no(`"${String(value)}" is not a size like 512m or 1g`);
  const scale: Record<string, number> = { "": 1 / 1024 ** 2, k: 1 / 1024, m: 1, g: 1024, t: 1024 ** 2 };
  return ok(Math.ceil(Number(m[1]) * (scale[(m[2] ?? "").toLowerCase()] ?? 1)));
}

/** "30s", "1m30s", "1h", "500ms" → whole seconds (at least 1). */
export function seconds(value: unknown): Read<number> {
  if (typeof value !== "string") return no(`"${String(value)}" is not a duration like 30s`);
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|ns)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== value.replace(/\s+/g, "")) return no(`"${value}" is not a duration like 30s or 1m30s`);
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001, us: 1e-6, ns: 1e-9 };
  const total = parts.reduce((sum, p) => sum + Number(p[1]) * (unit[p[2] ?? "s"] ?? 1), 0);
  return ok(Math.max(1, Math.round(total)));
}

/** A command line split the way Compose splits `command: "…"` (POSIX shell words, quotes kept together). */
export function shellWords(text: string): Read<string[]> {
  const words: string[] = [];
  let word = "";
  let has = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === "\\" && i + 1 < text.length && '"\\$`'.includes(text[i + 1] as string)) word += text[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      has = true;
    } else if (c === "\\" && i + 1 < text.length) {
      word += text[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has || word !== "") words.push(word);
      word = "";
      has = false;
    } else word += c;
  }
  if (quote !== undefined) return no(`unterminated ${quote} quote in "${text}"`);
  if (has || word !== "") words.push(word);
  return ok(words);
}

export interface ComposePort {
  container: number;
  host: number;
  protocol: "tcp" | "udp";
  /** Published on loopback only (host_ip 127.0.0.1): kept inside its network. */
  loopback: boolean;
  /** Compose would pick a random host port; bosun publishes the container port. */
  randomHost: boolean;
}

const MAX_RANGE = 32;

function range(text: string): number[] | undefined {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  if (m === null) return undefined;
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (from < 1 || to > 65535 || to < from || to - from >= MAX_RANGE) return undefined;
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** One `ports:` entry, short ("8080:80/udp", "127.0.0.1:53:53/udp", "9000-9001:9000-9001") or long syntax. */
export function ports(entry: unknown): Read<ComposePort[]> {
  if (typeof entry === "number") entry = String(entry);
  if (typeof entry === "object" && entry !== null) {
    const e = entry as Record<string, unknown>;
    const extra = Object.keys(e).filter((k) => !["target", "published", "protocol", "host_ip", "mode", "name", "app_protocol"].includes(k));
    if (extra.length > 0) return no(`unknown port field${extra.length > 1 ? "s" : ""} ${extra.join(", ")}`);
    if (e["mode"] !== undefined && e["mode"] !== "ingress" && e["mode"] !== "host") return no(`mode "${String(e["mode"])}" is not ingress or host`);
    const short = `${e["host_ip"] !== undefined ? `${String(e["host_ip"])}:` : ""}${e["published"] !== undefined ? `${String(e["published"])}:` : ""}${String(e["target"])}/${String(e["protocol"] ?? "tcp")}`;
    return ports(short);
  }
  if (typeof entry !== "string") return no(`"${String(entry)}" is not a port mapping like "8080:80"`);
  const [spec, proto = "tcp"] = entry.split("/");
  if (proto !== "tcp" && proto !== "udp") return no(`protocol "${proto}" is not tcp or udp (bosun publishes TCP and UDP only)`);
  const parts = (spec ?? "").split(":");
  const [hostIp, hostPart, containerPart] =
    parts.length === 3 ? parts : parts.length === 2 ? [undefined, parts[0], parts[1]] : [undefined, undefined, parts[0]];
  const containers = range(containerPart ?? "");
  if (containers === undefined) return no(`"${entry}": the container port must be 1-65535 (or a range of at most ${MAX_RANGE})`);
  const hosts = hostPart === undefined || hostPart === "" ? containers : range(hostPart);
  if (hosts === undefined || hosts.length !== containers.length) return no(`"${entry}": the published ports must match the container ports one to one`);
  if (hostIp !== undefined && hostIp !== "" && hostIp !== "0.0.0.0" && hostIp !== "127.0.0.1" && hostIp !== "::")
    return no(`"${entry}": publishing on ${hostIp} only cannot be expressed; bosun publishes on the stack's address`);
  const loopback = hostIp === "127.0.0.1";
  return ok(
    containers.map((c, i) => ({ container: c, host: hosts[i] as number, protocol: proto, loopback, randomHost: hostPart === undefined || hostPart === "" })),
  );
}

export type ComposeVolume =
  | { kind: "named"; name: string; target: string; readOnly: boolean }
  | { kind: "bind"; source: string; target: string; readOnly: boolean }
  | { kind: "anonymous"; target: string };

/** One `volumes:` entry of a service, short ("data:/var/lib/x:ro", "./site:/usr/share/nginx/html") or long syntax. */
export function volume(entry: unknown): Read<ComposeVolume> {
  if (typeof entry === "object" && entry !== null) {
    const e = entry as Record<string, unknown>;
    const type = e["type"] ?? "volume";
    const extra = Object.keys(e).filter((k) => !["type", "source", "target", "read_only", "volume", "bind", "consistency"].includes(k));
    if (extra.length > 0) return no(`${extra.join(", ")} cannot be expressed (a volume is a named volume or a bind mount, read-only or not)`);
    if (type === "tmpfs" || type === "npipe" || type === "cluster" || type === "image")
      return no(`${String(type)} mounts cannot be expressed; use a named volume`);
    if (typeof e["target"] !== "string") return no("a volume needs a target path");
    const readOnly = e["read_only"] === true;
    if (e["source"] === undefined) return ok({ kind: "anonymous", target: e["target"] });
    if (typeof e["source"] !== "string") return no("source must be a name or a path");
    return type === "bind"
      ? ok({ kind: "bind", source: e["source"], target: e["target"], readOnly })
      : ok({ kind: "named", name: e["source"], target: e["target"], readOnly });
  }
  if (typeof entry !== "string") return no(`"${String(entry)}" is not a volume like "data:/data"`);
  const parts = entry.split(":");
  if (parts.length === 1) return ok({ kind: "anonymous", target: entry });
  const [source = "", target = "", mode = "rw"] = parts;
  if (parts.length > 3) return no(`"${entry}" is not source:target[:mode]`);
  const modes = mode.split(",");
  const readOnly = modes.includes("ro");
  const unknown = modes.filter((m) => !["ro", "rw", "z", "Z", "cached", "delegated", "consistent", "nocopy"].includes(m));
  if (unknown.length > 0) return no(`mode ${unknown.join(",")} is not a Compose volume mode`);
  const isPath = source.startsWith("/") || source.startsWith(".") || source.startsWith("~");
  return ok(isPath ? { kind: "bind", source, target, readOnly } : { kind: "named", name: source, target, readOnly });
}

/** `environment:` as a map or a list of "K=V"; a bare "K" (pass-through from the shell) is a problem. */
export function environment(value: unknown): Read<Record<string, string>> {
  const out: Record<string, string> = {};
  if (Array.isArray(value)) {
    for (const item of value) {
      if (typeof item !== "string") return no(`"${String(item)}" is not KEY=value`);
      const eq = item.indexOf("=");
      if (eq < 0) return no(`${item} has no value: bosun does not pass variables through from your shell; write ${item}=<value>`);
      out[item.slice(0, eq)] = item.slice(eq + 1);
    }
    return ok(out);
  }
  if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (v === null || v === undefined) return no(`${k} has no value: bosun does not pass variables through from your shell; give it one`);
      if (typeof v === "object") return no(`${k}: a value must be a string, number or boolean`);
      out[k] = String(v);
    }
    return ok(out);
  }
  return no("must be a map or a list of KEY=value");
}

/** Environment names whose values are credentials: imported as { secret } (encrypted, redacted). */
export const SECRET_NAME = /(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIALS?)$/i;
