// A small ustar (POSIX.1-1988) writer and reader for the Engine API's archive
// endpoints, which take and return tar streams. Only regular files: bosun puts
// certificates and keys into containers and reads them back. The writer never
// emits GNU or pax extensions; a name that does not fit ustar's 100-byte name
// plus 155-byte prefix is refused. The reader understands what Docker's Go
// archive/tar writes back (ustar, with pax or GNU long-name records when needed).

export interface TarFile {
  /** Relative path inside the archive ("tls/key.pem"). */
  name: string;
  content: Buffer;
  /** Permission bits (0o7777 at most). */
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch. @default now */
  mtime?: number;
}

export interface TarEntry {
  name: string;
  /** "0" regular file, "2" symlink, "5" directory, ... (ustar type flag). */
  type: string;
  mode: number;
  uid: number;
  gid: number;
  content: Buffer;
}

const BLOCK = 512;

/** Splits a name into ustar's prefix and name fields, or says why it cannot be stored. */
export function splitName(name: string): { prefix: string; name: string } {
  const bytes = Buffer.byteLength(name);
  if (name === "" || name.startsWith("/") || name.split("/").some((p) => p === "" || p === "." || p === "..")) {
    throw new Error(`tar: "${name}" is not a plain relative file path`);
  }
  if (bytes <= 100) return { prefix: "", name };
  // The name field holds the tail after some "/", the prefix the part before it.
  for (let cut = name.indexOf("/"); cut >= 0; cut = name.indexOf("/", cut + 1)) {
    const prefix = name.slice(0, cut);
    const rest = name.slice(cut + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100) return { prefix, name: rest };
  }
  throw new Error(`tar: the path "${name}" is too long for a ustar archive (at most 100 bytes per file name and 255 in all)`);
}

function octal(value: number, width: number, field: string): string {
  const text = value.toString(8);
  if (!Number.isInteger(value) || value < 0 || text.length > width - 1) throw new Error(`tar: ${field} ${value} does not fit the ustar header`);
  return text.padStart(width - 1, "0");
}

function header(f: TarFile): Buffer {
  const h = Buffer.alloc(BLOCK);
  const { prefix, name } = splitName(f.name);
  h.write(name, 0, 100, "utf8");
  h.write(octal(f.mode & 0o7777, 8, "mode"), 100, "ascii");
  h.write(octal(f.uid, 8, "uid"), 108, "ascii");
  h.write(octal(f.gid, 8, "gid"), 116, "ascii");
  h.write(octal(f.content.length, 12, "size"), 124, "ascii");
  h.write(octal(f.mtime ?? Math.floor(Date.now() / 1000), 12, "mtime"), 136, "ascii");
  h.write("0", 156, "ascii"); // regular file
  h.write("ustar\u0000", 257, "ascii");
  h.write("00", 263, "ascii");
  h.write(prefix, 345, 155, "utf8");
  // The checksum is computed with its own field read as spaces.
  h.fill(" ", 148, 156);
  const sum = h.reduce((s, b) => s + b, 0);
  h.write(`${sum.toString(8).padStart(6, "0")}\u0000 `, 148, "ascii");
  return h;
}

/** One tar stream holding the files, ended by the two zero blocks. */
export function packTar(files: readonly TarFile[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    parts.push(header(f), f.content);
    const pad = (BLOCK - (f.content.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

const text = (b: Buffer, start: number, length: number): string => {
  const field = b.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? length : end).toString("utf8");
};

function number(b: Buffer, start: number, length: number): number {
  // GNU base-256 for large values: high bit of the first byte set.
  if ((b[start] ?? 0) & 0x80) {
    let n = 0;
    for (let i = start + 1; i < start + length; i++) n = n * 256 + (b[i] ?? 0);
    return n;
  }
  const t = text(b, start, length).trim();
  return t === "" ? 0 : Number.parseInt(t, 8);
}

/** pax extended header records: "<len> key=value\n". Only `path` matters here. */
function paxPath(data: Buffer): string | undefined {
  let i = 0;
  while (i < data.length) {
    const space = data.indexOf(0x20, i);
    if (space < 0) break;
    const len = Number.parseInt(data.subarray(i, space).toString("ascii"), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const record = data.subarray(space + 1, i + len - 1).toString("utf8");
    const eq = record.indexOf("=");
    if (record.slice(0, eq) === "path") return record.slice(eq + 1);
    i += len;
  }
  return undefined;
}

/** Every entry of a tar stream; throws on a damaged header. */
export function unpackTar(archive: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let longName: string | undefined;
  let offset = 0;
  while (offset + BLOCK <= archive.length) {
    const h = archive.subarray(offset, offset + BLOCK);
    if (h.every((b) => b === 0)) break;
    const stored = number(h, 148, 8);
    const copy = Buffer.from(h);
    copy.fill(" ", 148, 156);
    if (copy.reduce((s, b) => s + b, 0) !== stored) throw new Error(`tar: damaged header at byte ${offset} (checksum mismatch)`);
    const size = number(h, 124, 12);
    const type = text(h, 156, 1) || "0";
    const start = offset + BLOCK;
    const content = archive.subarray(start, start + size);
    if (content.length < size) throw new Error(`tar: archive ends inside an entry at byte ${offset}`);
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
    if (type === "x") {
      longName = paxPath(content) ?? longName;
      continue;
    }
    if (type === "L") {
      longName = text(content, 0, content.length);
      continue;
    }
    if (type === "g") continue;
    const prefix = text(h, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${text(h, 0, 100)}` : text(h, 0, 100));
    longName = undefined;
    entries.push({ name, type, mode: number(h, 100, 8) & 0o7777, uid: number(h, 108, 8), gid: number(h, 116, 8), content: Buffer.from(content) });
  }
  return entries;
}
