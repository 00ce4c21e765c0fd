// Naming rules and "did you mean" suggestions shared by the schema and the translator.

/** RFC 1123 label, lower case: what OPNsense, Docker and DNS all accept. */
export const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** A domain made of DNS labels, e.g. "home.arpa". */
export const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

export const DNS_LABEL_MESSAGE = "must be a DNS label (RFC 1123): a-z, 0-9 and '-', 1-63 characters, not starting or ending with '-'";

export function isDnsLabel(text: string): boolean {
  return DNS_LABEL.test(text);
}

/**
 * Optimal string alignment distance (Levenshtein plus adjacent swaps), so
 * "minecarft" is one edit from "minecraft". Stops early above `max`.
 */
export function editDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prevPrev: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, (prevPrev[j - 2] ?? 0) + 1);
      row.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > max) return max + 1;
    prevPrev = prev;
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/** Edits tolerated for a word of this length: none for short words, where typos collide with real words. */
export function typoBudget(length: number): number {
  if (length < 5) return 0;
  if (length < 8) return 1;
  return 2;
}

/** The closest candidate within the typo budget (ties: alphabetical), or undefined. */
export function closest(word: string, candidates: Iterable<string>, budget = Math.max(1, typoBudget(word.length))): string | undefined {
  let best: string | undefined;
  let bestDistance = budget + 1;
  for (const candidate of [...candidates].sort()) {
    const d = editDistance(word, candidate, budget);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** `; did you mean "gaming"?` or "" when nothing is close. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const match = closest(word, candidates, Math.max(2, typoBudget(word.length)));
  return match === undefined ? "" : `; did you mean "${match}"?`;
}
