// Word lists that decide whether a word of a request is understood. A word
// outside all of them, a template and the spec's names is one the translator
// does not know, and it says so instead of guessing.

/** A set of the words of `text` (lists read better as prose than one word a line). */
function wordSet(text: string): ReadonlySet<string> {
  return new Set(text.trim().split(/\s+/));
}

/** Purpose words and the network name they stand for. */
export const PURPOSES: Record<string, { words: string[]; vlan: number }> = {
  servers: { words: ["servers", "server vlan", "srv"], vlan: 10 },
  gaming: { words: ["gaming", "games", "game"], vlan: 20 },
  iot: { words: ["iot", "smart home", "smart devices", "internet of things", "smart"], vlan: 30 },
  guests: { words: ["guest", "guests", "visitors", "visitor"], vlan: 40 },
  cameras: { words: ["security cameras", "camera", "cameras", "cctv", "nvr", "surveillance"], vlan: 50 },
  media: { words: ["media", "streaming"], vlan: 60 },
  lab: { words: ["lab", "homelab", "testing", "test"], vlan: 70 },
  kids: { words: ["kids", "children"], vlan: 80 },
  work: { words: ["work", "office"], vlan: 90 },
  management: { words: ["management", "mgmt"], vlan: 99 },
};

/** Words that carry no meaning for matching. */
export const STOPWORDS = wordSet(`
  a an the to on in for of with and or me my i we our it its is be please can you could would some new server servers instance up at
  from that this so all just also now want need like let vlan network segment using use run deploy add create set spin install host
  start launch get give make should will by into onto as there here them they game app container box machine one few lot lots
`);

/** Words never matched by typo (they sit one edit from a template or network name). */
export const NO_TYPO = wordSet(`
  host hosts hosting server servers service services guest guests redis ghost posts games network networks gateway memory minecraft
  please player players storage static public private access internet enable disable devices device domain record records reach
  allow create delete remove change default bedroom portal porting console grafted recent
`);

/** Words about networks themselves ("a separate vlan without internet"). */
export const NETWORK_WORDS = wordSet(`
  vlan vlans network networks segment subnet lan devices device dhcp id tag called named internet without no only isolated separate
  dedicated things wifi wireless ssid
`);

/** Every word of every purpose phrase ("smart home" → "smart", "home"). */
export const PURPOSE_WORDS = new Set(Object.values(PURPOSES).flatMap((p) => p.words.flatMap((w) => w.split(" "))));

/** Request verbs and politeness. */
export const VERB_WORDS = wordSet(`
  deploy add create setup spin install host start launch provision want need build stand bring fire put make give get please would
  like i'd let's lets going have set
`);

/** Ordinary words that are not requests for something unknown. */
export const COMMON = wordSet(`
  please thanks thank hello hey quick small big large tiny cool nice some fast cheap good home house family friends players cluster
  stack thing stuff needs what own running
`);

/** Words of requests the translator reads elsewhere (verbs of other actions, units, settings). */
export const UNDERSTOOD = wordSet(`
  port ports tcp udp memory ram mem cpu cpus core cores disk storage player limit max maximum dns name hostname record address
  access reach allow block deny open close expose remove delete move change raise increase lower more less private public service
  services each both image domain
`);

/** A word that could name a thing (three letters or more, not a number or address). */
export function isContentWord(w: string): boolean {
  return /^[a-z][a-z0-9-]{2,}$/.test(w);
}

/** Content words none of the lists above know ("deploy a kafka cluster" → "kafka"). */
export function unknownWords(ws: readonly string[]): string[] {
  return ws.filter((w) => isContentWord(w) && !STOPWORDS.has(w) && !COMMON.has(w) && !VERB_WORDS.has(w) && !NETWORK_WORDS.has(w) && !PURPOSE_WORDS.has(w));
}

/** unknownWords without the ones the translator reads as settings, units or other actions' verbs. */
export function unreadWords(ws: readonly string[], known: ReadonlySet<number>): string[] {
  return unknownWords(ws).filter((w) => !UNDERSTOOD.has(w) && !ws.some((x, i) => x === w && known.has(i)));
}
