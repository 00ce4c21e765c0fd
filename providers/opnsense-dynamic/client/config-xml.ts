// A small reader for OPNsense's config.xml (what core/backup/download returns).
// The box writes it with PHP's SimpleXML: elements, attributes, text, CDATA,
// the five named entities and numeric ones; no DTD. That is all this reads, so
// no XML library is needed; anything else is refused with where it stopped.

export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  /** The element's own text (CDATA included), trimmed; "" for elements with children. */
  text: string;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decode(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (m, e: string) => {
    if (e.startsWith("#x")) return String.fromCodePoint(Number.parseInt(e.slice(2), 16));
    if (e.startsWith("#")) return String.fromCodePoint(Number(e.slice(1)));
    return ENTITIES[e] ?? m;
  });
}

/** Parses config.xml into its root element; throws naming the offset of what it cannot read. */
export function parseConfigXml(xml: string): XmlNode {
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`config.xml is not readable at offset ${i}: ${what}`);
  };
  /** Moves past the next `marker`. */
  const past = (marker: string, what: string) => {
    const at = xml.indexOf(marker, i);
    if (at < 0) fail(`unterminated ${what}`);
    i = at + marker.length;
  };
  const skipMisc = () => {
    for (;;) {
      while (i < xml.length && /\s/.test(xml[i] ?? "")) i++;
      if (xml.startsWith("<?", i)) past("?>", "<?…?>");
      else if (xml.startsWith("<!--", i)) past("-->", "comment");
      else if (xml.startsWith("<!DOCTYPE", i)) fail("a DOCTYPE is not expected in config.xml");
      else return;
    }
  };
  const element = (): XmlNode => {
    const open = /^<([A-Za-z_][\w.:-]*)/.exec(xml.slice(i, i + 200));
    if (!open?.[1]) return fail("expected an element");
    const name = open[1];
    i += open[0].length;
    const attrs: Record<string, string> = {};
    for (;;) {
      const attr = /^\s+([A-Za-z_][\w.:-]*)\s*=\s*("([^"]*)"|'([^']*)')/.exec(xml.slice(i, i + 4000));
      if (!attr?.[1]) break;
      attrs[attr[1]] = decode(attr[3] ?? attr[4] ?? "");
      i += attr[0].length;
    }
    while (/\s/.test(xml[i] ?? "")) i++;
    if (xml.startsWith("/>", i)) {
      i += 2;
      return { name, attrs, children: [], text: "" };
    }
    if (xml[i] !== ">") fail(`malformed start tag <${name}>`);
    i++;
    const children: XmlNode[] = [];
    let text = "";
    for (;;) {
      if (i >= xml.length) fail(`<${name}> is not closed`);
      if (xml.startsWith("</", i)) {
        const end = xml.indexOf(">", i);
        if (end < 0 || xml.slice(i + 2, end).trim() !== name) fail(`</${xml.slice(i + 2, end)}> closes <${name}>`);
        i = end + 1;
        return { name, attrs, children, text: children.length ? "" : text.trim() };
      }
      if (xml.startsWith("<![CDATA[", i)) {
        const end = xml.indexOf("]]>", i);
        if (end < 0) fail("unterminated CDATA");
        text += xml.slice(i + 9, end);
        i = end + 3;
      } else if (xml.startsWith("<!--", i)) {
        past("-->", "comment");
      } else if (xml[i] === "<") {
        children.push(element());
      } else {
        const next = xml.indexOf("<", i);
        text += decode(xml.slice(i, next < 0 ? xml.length : next));
        i = next < 0 ? xml.length : next;
      }
    }
  };
  skipMisc();
  const root = element();
  skipMisc();
  if (i < xml.length) fail("content after the root element");
  return root;
}
