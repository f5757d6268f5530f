/**
 * JSON as Python writes it (docs/formats.md §0): standard JSON plus the bare tokens `NaN`,
 * `Infinity` and `-Infinity` outside strings, which become `null` (stored as SQL NULL).
 *
 * `JSON.parse` is tried first because it is native and fast (review files have tens of millions
 * of lines). Only when it fails does the hand-written parser below run: it accepts the Python
 * tokens and, unlike V8 (whose messages often omit the position), always reports where the
 * text went wrong.
 */

/** Malformed JSON; `position` is the 0-based UTF-16 index into the parsed text. */
export class JsonSyntaxError extends Error {
  constructor(
    readonly position: number,
    readonly reason: string,
  ) {
    super(`${reason} at position ${position}`);
    this.name = 'JsonSyntaxError';
  }
}

/** Parses one JSON value (surrounding whitespace allowed), NaN/Infinity tolerant. */
export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return new TolerantJsonParser(text).parseDocument();
  }
}

/**
 * Sets an own property even for the key `__proto__`, as JSON.parse does; plain assignment
 * would replace the object's prototype instead.
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/** Deeper nesting than this is rejected instead of overflowing the call stack. */
const MAX_DEPTH = 1000;

class TolerantJsonParser {
  private pos = 0;
  private depth = 0;

  constructor(private readonly text: string) {}

  parseDocument(): unknown {
    this.skipWhitespace();
    const value = this.parseValue();
    this.skipWhitespace();
    if (this.pos < this.text.length) this.fail(`unexpected ${this.describe(this.pos)} after the value`);
    return value;
  }

  private fail(reason: string, at = this.pos): never {
    throw new JsonSyntaxError(at, reason);
  }

  private describe(at: number): string {
    if (at >= this.text.length) return 'end of input';
    const cp = this.text.codePointAt(at)!;
    const ch = String.fromCodePoint(cp);
    return cp < 0x20 ? `control character U+${cp.toString(16).toUpperCase().padStart(4, '0')}` : `character '${ch}'`;
  }

  private skipWhitespace(): void {
    const t = this.text;
    let p = this.pos;
    while (p < t.length) {
      const c = t.charCodeAt(p);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++;
      else break;
    }
    this.pos = p;
  }

  private parseValue(): unknown {
    const t = this.text;
    if (this.pos >= t.length) this.fail('unexpected end of input');
    const c = t[this.pos];
    switch (c) {
      case '{':
        return this.parseObject();
      case '[':
        return this.parseArray();
      case '"':
        return this.parseString();
      case 't':
        return this.parseWord('true', true);
      case 'f':
        return this.parseWord('false', false);
      case 'n':
        return this.parseWord('null', null);
      case 'N':
        return this.parseWord('NaN', null);
      case 'I':
        return this.parseWord('Infinity', null);
      case '-':
        if (t.startsWith('-Infinity', this.pos)) return this.parseWord('-Infinity', null);
        return this.parseNumber();
      default:
        if (c >= '0' && c <= '9') return this.parseNumber();
        return this.fail(`unexpected ${this.describe(this.pos)}`);
    }
  }

  private parseWord(word: string, value: unknown): unknown {
    if (!this.text.startsWith(word, this.pos)) this.fail(`unexpected ${this.describe(this.pos)}`);
    this.pos += word.length;
    return value;
  }

  private parseNumber(): number {
    const t = this.text;
    const start = this.pos;
    let p = start;
    const digit = (i: number) => i < t.length && t.charCodeAt(i) >= 0x30 && t.charCodeAt(i) <= 0x39;
    if (t[p] === '-') p++;
    if (t[p] === '0') p++;
    else if (digit(p)) while (digit(p)) p++;
    else this.fail(`expected a digit, got ${this.describe(p)}`, p);
    if (t[p] === '.') {
      p++;
      if (!digit(p)) this.fail(`expected a digit after the decimal point, got ${this.describe(p)}`, p);
      while (digit(p)) p++;
    }
    if (t[p] === 'e' || t[p] === 'E') {
      p++;
      if (t[p] === '+' || t[p] === '-') p++;
      if (!digit(p)) this.fail(`expected a digit in the exponent, got ${this.describe(p)}`, p);
      while (digit(p)) p++;
    }
    this.pos = p;
    return Number(t.slice(start, p));
  }

  private parseString(): string {
    const t = this.text;
    const open = this.pos;
    let p = open + 1;
    let out = '';
    let runStart = p;
    for (;;) {
      if (p >= t.length) this.fail('unterminated string', open);
      const c = t.charCodeAt(p);
      if (c === 0x22) {
        out += t.slice(runStart, p);
        this.pos = p + 1;
        return out;
      }
      if (c < 0x20) this.fail(`${this.describe(p)} inside a string`, p);
      if (c !== 0x5c) {
        p++;
        continue;
      }
      out += t.slice(runStart, p);
      const e = t[p + 1];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const hex = t.slice(p + 2, p + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('invalid \\u escape', p);
          out += String.fromCharCode(parseInt(hex, 16));
          p += 4;
          break;
        }
        default:
          this.fail(e === undefined ? 'unterminated string' : `invalid escape '\\${e}'`, p);
      }
      p += 2;
      runStart = p;
    }
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH} levels`);
  }

  private parseArray(): unknown[] {
    this.enter();
    this.pos++; // [
    const out: unknown[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      this.depth--;
      return out;
    }
    for (;;) {
      this.skipWhitespace();
      out.push(this.parseValue());
      this.skipWhitespace();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === ']') {
        this.pos++;
        this.depth--;
        return out;
      }
      this.fail(`expected ',' or ']', got ${this.describe(this.pos)}`);
    }
  }

  private parseObject(): Record<string, unknown> {
    this.enter();
    this.pos++; // {
    const out: Record<string, unknown> = {};
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      this.depth--;
      return out;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.fail(`expected a string key, got ${this.describe(this.pos)}`);
      const key = this.parseString();
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') this.fail(`expected ':', got ${this.describe(this.pos)}`);
      this.pos++;
      this.skipWhitespace();
      setOwn(out, key, this.parseValue());
      this.skipWhitespace();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === '}') {
        this.pos++;
        this.depth--;
        return out;
      }
      this.fail(`expected ',' or '}', got ${this.describe(this.pos)}`);
    }
  }
}
