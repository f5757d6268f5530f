/**
 * A parser for the subset of Python literal syntax that `repr()` of JSON-like data produces
 * (docs/formats.md §2.3). It builds values directly and never evaluates anything, so no input can run
 * code; anything outside the subset is a PythonLiteralError with the position of the problem.
 *
 * Mapping: str → string; int/float → number (like JSON.parse, integers beyond 2^53 lose
 * precision); None/True/False → null/true/false; list, tuple and set → array (sets keep source
 * order, repeated scalar members dropped); dict → object whose number keys become strings
 * written as Python's `str()` would write them (`1` → "1", `1.0` → "1.0").
 */
import { setOwn } from './json';

/** `position` is the 0-based UTF-16 index in the input where parsing failed. */
export class PythonLiteralError extends Error {
  constructor(
    readonly position: number,
    readonly reason: string,
  ) {
    super(`${reason} at position ${position}`);
    this.name = 'PythonLiteralError';
  }
}

export function parsePythonLiteral(text: string): unknown {
  return new PythonLiteralParser(text).parseDocument();
}

/** Deeper nesting than this is rejected instead of overflowing the call stack. */
const MAX_DEPTH = 1000;

/** A dict key or set member before conversion: numbers remember how to print as Python would. */
interface NumberValue {
  value: number;
  pythonStr: string;
}

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isOctal = (c: string | undefined) => c !== undefined && c >= '0' && c <= '7';
const isHex = (c: string | undefined) => c !== undefined && /^[0-9a-fA-F]$/.test(c);
const isNameChar = (c: string | undefined) => c !== undefined && /^[\p{L}\p{N}_]$/u.test(c);

class PythonLiteralParser {
  private pos = 0;
  private depth = 0;

  constructor(private readonly text: string) {}

  parseDocument(): unknown {
    this.skipWhitespace();
    if (this.pos >= this.text.length) this.fail('empty input: expected a literal');
    const value = this.parseValue().value;
    this.skipWhitespace();
    if (this.pos < this.text.length) this.fail(`unexpected ${this.describe()} after the literal`);
    return value;
  }

  private fail(reason: string, at = this.pos): never {
    throw new PythonLiteralError(at, reason);
  }

  private describe(at = this.pos): string {
    if (at >= this.text.length) return 'end of input';
    const ch = String.fromCodePoint(this.text.codePointAt(at)!);
    return ch === "'" ? `"'"` : `'${ch}'`;
  }

  private skipWhitespace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t[this.pos];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') this.pos++;
      else break;
    }
  }

  /**
   * A value plus what dict keys and set members need: whether it is hashable in Python and, for
   * numbers, the key string Python's `str()` gives.
   */
  private parseValue(): { value: unknown; number?: NumberValue; hashable: boolean } {
    const t = this.text;
    const c = t[this.pos];
    if (c === undefined) this.fail('unexpected end of input: expected a value');
    if (c === '[') return { value: this.parseList(), hashable: false };
    if (c === '(') return this.parseParenthesised();
    if (c === '{') return { value: this.parseBraces(), hashable: false };
    if (c === "'" || c === '"') return { value: this.parseStrings(), hashable: true };
    if (c === '-' || c === '+' || c === '.' || isDigit(c)) {
      const number = this.parseNumber();
      return { value: number.value, number, hashable: true };
    }
    if (isNameChar(c)) return this.parseName();
    return this.fail(`unexpected ${this.describe()}`);
  }

  private parseName(): { value: unknown; hashable: boolean } {
    const t = this.text;
    const start = this.pos;
    let end = start;
    while (isNameChar(t[end])) end++;
    const name = t.slice(start, end);
    // A string prefix (u, r, b and the raw-bytes pairs) directly followed by a quote.
    if ((t[end] === "'" || t[end] === '"') && /^(?:[urb]|rb|br)$/i.test(name)) {
      return { value: this.parseStrings(), hashable: true };
    }
    this.pos = end;
    if (name === 'None') return { value: null, hashable: true };
    if (name === 'True') return { value: true, hashable: true };
    if (name === 'False') return { value: false, hashable: true };
    if (name === 'inf' || name === 'nan' || name === 'Infinity' || name === 'NaN') {
      return this.fail(`'${name}' is not a Python literal (inf/nan are not accepted)`, start);
    }
    return this.fail(`name '${name}' is not allowed (only None, True and False)`, start);
  }

  // ---------------------------------------------------------------------------------------
  // Strings

  /** One or more adjacent string literals, concatenated (str and bytes may not be mixed). */
  private parseStrings(): string {
    let out = '';
    let kind: 'str' | 'bytes' | undefined;
    for (;;) {
      const start = this.pos;
      const literal = this.parseOneString();
      if (kind !== undefined && kind !== literal.kind) this.fail('cannot mix bytes and str literals', start);
      kind = literal.kind;
      out += literal.text;
      const save = this.pos;
      this.skipWhitespace();
      if (!this.atStringStart()) {
        this.pos = save;
        return out;
      }
    }
  }

  private atStringStart(): boolean {
    const t = this.text;
    const m = /(?:[urb]|rb|br)?['"]/iy;
    m.lastIndex = this.pos;
    return m.test(t);
  }

  private parseOneString(): { kind: 'str' | 'bytes'; text: string } {
    const t = this.text;
    let p = this.pos;
    let raw = false;
    let bytes = false;
    while (t[p] !== "'" && t[p] !== '"') {
      const c = t[p].toLowerCase();
      if (c === 'r') raw = true;
      else if (c === 'b') bytes = true;
      p++;
    }
    const quote = t[p];
    const open = p;
    p++;
    const units: number[] = []; // bytes: byte values
    let out = '';
    let runStart = p;
    const flush = (end: number) => {
      if (bytes) {
        for (let i = runStart; i < end; i++) {
          const code = t.charCodeAt(i);
          if (code > 0x7f) this.fail('bytes literals may contain only ASCII characters', i);
          units.push(code);
        }
      } else {
        out += t.slice(runStart, end);
      }
    };
    const emit = (codePoint: number) => {
      if (bytes) units.push(codePoint);
      else out += String.fromCodePoint(codePoint);
    };
    for (;;) {
      const c = t[p];
      if (c === undefined || c === '\n' || c === '\r') this.fail('unterminated string literal', open);
      if (c === quote) {
        flush(p);
        this.pos = p + 1;
        break;
      }
      if (c !== '\\') {
        p++;
        continue;
      }
      // A backslash.
      const e = t[p + 1];
      if (e === undefined) this.fail('unterminated string literal', open);
      if (raw) {
        // Raw strings keep the backslash and the next character; the backslash still prevents
        // the quote after it from closing the string.
        p += e === '\r' && t[p + 2] === '\n' ? 3 : 2;
        continue;
      }
      flush(p);
      let next = p + 2;
      switch (e) {
        case '\n':
          break; // line continuation
        case '\r':
          if (t[p + 2] === '\n') next = p + 3;
          break;
        case '\\':
        case "'":
        case '"':
          emit(e.charCodeAt(0));
          break;
        case 'n':
          emit(0x0a);
          break;
        case 'r':
          emit(0x0d);
          break;
        case 't':
          emit(0x09);
          break;
        case 'b':
          emit(0x08);
          break;
        case 'f':
          emit(0x0c);
          break;
        case 'v':
          emit(0x0b);
          break;
        case 'a':
          emit(0x07);
          break;
        case 'x': {
          const hex = t.slice(p + 2, p + 4);
          if (hex.length < 2 || !isHex(hex[0]) || !isHex(hex[1])) this.fail('truncated \\xXX escape', p);
          emit(parseInt(hex, 16));
          next = p + 4;
          break;
        }
        case 'u':
        case 'U': {
          if (bytes) {
            // Not an escape in bytes literals: the backslash is kept, as in Python.
            emit(0x5c);
            next = p + 1;
            break;
          }
          const width = e === 'u' ? 4 : 8;
          const hex = t.slice(p + 2, p + 2 + width);
          if (hex.length < width || ![...hex].every(isHex)) this.fail(`truncated \\${e} escape`, p);
          const codePoint = parseInt(hex, 16);
          if (codePoint > 0x10ffff) this.fail(`\\${e}${hex} is not a Unicode code point`, p);
          // Python strings may hold lone surrogates; JavaScript strings can too.
          out += codePoint >= 0xd800 && codePoint <= 0xdfff ? String.fromCharCode(codePoint) : String.fromCodePoint(codePoint);
          next = p + 2 + width;
          break;
        }
        case 'N':
          if (bytes) {
            emit(0x5c);
            next = p + 1;
            break;
          }
          // Python knows \N{NAME}; resolving names needs the Unicode name table, and repr()
          // never writes this form, so refuse rather than produce a wrong string.
          return this.fail('\\N{...} named escapes are not supported', p);
        default:
          if (isOctal(e)) {
            let q = p + 1;
            let value = 0;
            while (q < p + 4 && isOctal(t[q])) value = value * 8 + (t.charCodeAt(q++) - 0x30);
            if (bytes && value > 0xff) this.fail('octal escape out of range for bytes', p);
            emit(value);
            next = q;
          } else {
            // Unknown escape: Python keeps the backslash (and the character follows as text).
            emit(0x5c);
            next = p + 1;
          }
      }
      p = next;
      runStart = p;
    }
    if (!bytes) return { kind: 'str', text: out };
    try {
      return { kind: 'bytes', text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Uint8Array.from(units)) };
    } catch {
      return this.fail('bytes literal is not valid UTF-8', open);
    }
  }

  // ---------------------------------------------------------------------------------------
  // Numbers

  private parseNumber(): NumberValue {
    const t = this.text;
    const start = this.pos;
    let sign = '';
    if (t[this.pos] === '-' || t[this.pos] === '+') {
      sign = t[this.pos] === '-' ? '-' : '';
      this.pos++;
      this.skipWhitespace();
    }
    const bodyStart = this.pos;
    // Digits with single underscores between them, as Python's grammar allows.
    const digits = (): string => {
      const from = this.pos;
      if (!isDigit(t[this.pos])) return '';
      while (isDigit(t[this.pos]) || (t[this.pos] === '_' && isDigit(t[this.pos + 1]))) this.pos++;
      if (t[this.pos] === '_') this.fail('invalid digit separator');
      return t.slice(from, this.pos).replace(/_/g, '');
    };
    const intPart = digits();
    let fraction: string | undefined;
    let exponent: string | undefined;
    if (t[this.pos] === '.') {
      this.pos++;
      fraction = digits();
      if (intPart === '' && fraction === '') this.fail(`unexpected ${this.describe(bodyStart)}`, bodyStart);
    } else if (intPart === '') {
      if (isNameChar(t[this.pos])) {
        const name = /^[\p{L}\p{N}_]+/u.exec(t.slice(this.pos))![0];
        if (name === 'inf' || name === 'nan' || name === 'Infinity' || name === 'NaN') {
          this.fail(`'${name}' is not a Python literal (inf/nan are not accepted)`, start);
        }
      }
      this.fail(sign || t[start] === '+' ? 'a sign must be followed by a number' : `unexpected ${this.describe()}`, start);
    }
    if (t[this.pos] === 'e' || t[this.pos] === 'E') {
      const at = this.pos;
      this.pos++;
      let expSign = '';
      if (t[this.pos] === '-' || t[this.pos] === '+') expSign = t[this.pos++];
      const expDigits = digits();
      if (expDigits === '') this.fail('malformed exponent', at);
      exponent = expSign + expDigits;
    }
    if (isNameChar(t[this.pos]) || t[this.pos] === '.') {
      // 0x1f, 1j, 1.2.3, 12abc: outside the subset.
      this.fail(`invalid number literal`, start);
    }
    if (fraction === undefined && exponent === undefined) {
      // Python 3 forbids leading zeros in non-zero decimal integers (007 is a SyntaxError).
      if (/^0+[1-9]/.test(intPart)) this.fail('leading zeros in a decimal integer are not allowed', bodyStart);
      const big = BigInt(intPart);
      const str = (sign === '-' && big !== 0n ? '-' : '') + big.toString();
      return { value: Number(str), pythonStr: str };
    }
    const value = Number(`${sign}${intPart || '0'}.${fraction || '0'}e${exponent ?? '0'}`);
    return { value, pythonStr: pythonFloatStr(value) };
  }

  // ---------------------------------------------------------------------------------------
  // Containers

  private enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH} levels`);
  }

  /**
   * Comma-separated items up to `close`, trailing comma allowed. Returns the items and whether a
   * comma was seen (which makes `(x,)` a tuple and `(x)` a parenthesised value).
   */
  private parseItems<T>(close: string, item: () => T): { items: T[]; sawComma: boolean } {
    const items: T[] = [];
    let sawComma = false;
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] === close) {
        this.pos++;
        return { items, sawComma };
      }
      items.push(item());
      this.skipWhitespace();
      const c = this.text[this.pos];
      if (c === ',') {
        sawComma = true;
        this.pos++;
        continue;
      }
      if (c === close) {
        this.pos++;
        return { items, sawComma };
      }
      this.fail(`expected ',' or '${close}', got ${this.describe()}`);
    }
  }

  private parseList(): unknown[] {
    this.enter();
    this.pos++;
    const { items } = this.parseItems(']', () => this.parseValue().value);
    this.depth--;
    return items;
  }

  private parseParenthesised(): { value: unknown; number?: NumberValue; hashable: boolean } {
    this.enter();
    this.pos++;
    const { items, sawComma } = this.parseItems(')', () => this.parseValue());
    this.depth--;
    if (items.length === 1 && !sawComma) return items[0]; // (x) is just x
    return { value: items.map((i) => i.value), hashable: items.every((i) => i.hashable) };
  }

  /** `{}` and `{k: v, …}` are dicts; `{a, …}` is a set. */
  private parseBraces(): unknown {
    this.enter();
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      this.depth--;
      return {};
    }
    const firstAt = this.pos;
    const first = this.parseValue();
    this.skipWhitespace();
    const result = this.text[this.pos] === ':' ? this.parseDictRest(first, firstAt) : this.parseSetRest(first, firstAt);
    this.depth--;
    return result;
  }

  private dictKey(key: { value: unknown; number?: NumberValue }, at: number): string {
    if (typeof key.value === 'string') return key.value;
    if (key.number) return key.number.pythonStr;
    return this.fail('dict keys must be strings or numbers', at);
  }

  private parseDictRest(firstKey: { value: unknown; number?: NumberValue }, firstAt: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    let key = this.dictKey(firstKey, firstAt);
    for (;;) {
      this.pos++; // ':'
      this.skipWhitespace();
      setOwn(out, key, this.parseValue().value);
      this.skipWhitespace();
      const c = this.text[this.pos];
      if (c === '}') {
        this.pos++;
        return out;
      }
      if (c !== ',') this.fail(`expected ',' or '}', got ${this.describe()}`);
      this.pos++;
      this.skipWhitespace();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return out;
      }
      const at = this.pos;
      key = this.dictKey(this.parseValue(), at);
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') this.fail(`expected ':', got ${this.describe()}`);
    }
  }

  private parseSetRest(first: { value: unknown; hashable: boolean }, firstAt: number): unknown[] {
    const members = [{ ...first, at: firstAt }];
    this.skipWhitespace();
    if (this.text[this.pos] === ',') {
      this.pos++;
      const { items } = this.parseItems('}', () => {
        const at = this.pos;
        return { ...this.parseValue(), at };
      });
      members.push(...items);
    } else if (this.text[this.pos] === '}') {
      this.pos++;
    } else {
      this.fail(`expected ',', ':' or '}', got ${this.describe()}`);
    }
    const out: unknown[] = [];
    const seen = new Set<unknown>();
    for (const m of members) {
      if (!m.hashable) this.fail('unhashable value (list, dict or set) in a set', m.at);
      const v = m.value;
      if (v === null || typeof v !== 'object') {
        if (seen.has(v)) continue;
        seen.add(v);
      }
      out.push(v);
    }
    return out;
  }
}

/** Python's `str(float)`: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
export function pythonFloatStr(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = value.toExponential().split('e');
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  let body: string;
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    body = `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  } else if (exp < 0) {
    body = `0.${'0'.repeat(-exp - 1)}${digits}`;
  } else if (digits.length > exp + 1) {
    body = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  } else {
    body = `${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  }
  return negative ? `-${body}` : body;
}
