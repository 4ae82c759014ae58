/** Levenshtein distance between two strings (case-insensitive). */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const row = [i];
    for (let j = 1; j <= t.length; j++) {
      row[j] = Math.min(
        previous[j]! + 1,
        row[j - 1]! + 1,
        previous[j - 1]! + (s[i - 1] === t[j - 1] ? 0 : 1),
      );
    }
    previous = row;
  }
  return previous[t.length]!;
}

/**
 * The candidate nearest to `word` when it is near enough to be a slip (at most a third of its
 * length, at least 1, at most 3 edits), for "did you mean". Ties go to the first candidate.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDistance && d <= limit && d > 0) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}
