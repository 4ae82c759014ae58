import { jsonPath } from '../errors.js';

/** A 1-based line and column in a text file. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/** Line and column of a character offset. */
function positionOf(text: string, offset: number): Position {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1]!.length + 1 };
}

/**
 * Where each value of a JSON document starts, by its JSON path (`rules[2].account`, the format of
 * `jsonPath`); for an object member, the position of its key. A small scanner for valid JSON (the
 * text already parsed); whatever it cannot read ends the map early rather than throwing.
 */
export function jsonPositions(text: string): Map<string, Position> {
  const out = new Map<string, Position>();
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const str = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: (string | number)[], at: number): void => {
    const key = jsonPath(path);
    if (!out.has(key)) out.set(key, positionOf(text, at));
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      while (i < text.length && text[i] !== '}') {
        const keyAt = i;
        const name = str();
        ws();
        i++; // :
        ws();
        value([...path, name], keyAt);
        ws();
        if (text[i] === ',') i++;
        ws();
      }
      i++;
    } else if (c === '[') {
      i++;
      ws();
      let n = 0;
      while (i < text.length && text[i] !== ']') {
        value([...path, n++], i);
        ws();
        if (text[i] === ',') i++;
        ws();
      }
      i++;
    } else if (c === '"') str();
    else while (i < text.length && /[\w.+-]/.test(text[i]!)) i++;
  };
  try {
    ws();
    value([], i);
  } catch {
    // Not valid JSON past this point: keep what was mapped.
  }
  return out;
}

/** The position of `path`, or of the nearest enclosing value that has one. */
export function positionAt(
  positions: ReadonlyMap<string, Position>,
  path: string,
): Position | undefined {
  for (let p = path; ;) {
    const found = positions.get(p);
    if (found) return found;
    if (p === '') return undefined;
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    p = cut <= 0 ? '' : p.slice(0, cut);
  }
}

/**
 * Line and column of a `JSON.parse` syntax error: Node 20 says "at position N", Node 22+
 * "(line L column C)". Undefined when the message has neither.
 */
export function syntaxErrorPosition(text: string, message: string): Position | undefined {
  const lc = /line (\d+) column (\d+)/.exec(message);
  if (lc) return { line: Number(lc[1]), column: Number(lc[2]) };
  const pos = /position (\d+)/.exec(message);
  if (pos) return positionOf(text, Number(pos[1]));
  if (/Unexpected end of JSON input/.test(message)) return positionOf(text, text.length);
  // Some messages carry no position (Node 20: "Unexpected token ']', ... is not valid JSON"): the
  // error is at the end of the longest prefix that is still the start of a valid document.
  const viable = (n: number): boolean => {
    try {
      JSON.parse(text.slice(0, n));
      return true;
    } catch (e) {
      const m = (e as Error).message;
      const at = /position (\d+)/.exec(m);
      return /Unexpected end|end of data/i.test(m) || (at !== null && Number(at[1]) >= n);
    }
  };
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (viable(mid)) lo = mid;
    else hi = mid - 1;
  }
  return positionOf(text, lo);
}
