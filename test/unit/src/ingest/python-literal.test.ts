import { PythonLiteralError, parsePythonLiteral, pythonFloatStr } from '../../../../src/ingest/python-literal';

const parse = parsePythonLiteral;

function errorOf(text: string): PythonLiteralError {
  try {
    parse(text);
  } catch (error) {
    expect(error).toBeInstanceOf(PythonLiteralError);
    return error as PythonLiteralError;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

describe('parsePythonLiteral: the examples of docs/formats.md §2.3', () => {
  it('parses a list of dicts', () => {
    expect(parse("[{'id': 18, 'name': 'Drama'}]")).toEqual([{ id: 18, name: 'Drama' }]);
  });

  it('parses a dict with a double-quoted string holding a single quote, and None', () => {
    expect(parse(`{'id': 9, 'name': "Bear's Collection", 'poster_path': None}`)).toEqual({
      id: 9,
      name: "Bear's Collection",
      poster_path: null,
    });
  });

  it('parses a tuple into an array', () => {
    expect(parse("('GB', 'FR')")).toEqual(['GB', 'FR']);
  });

  it('parses the casts field of the §2.4 example record', () => {
    const casts =
      "{'cast': [{'id': 501, 'name': 'Ben Whishaw', 'known_for_department': 'Acting', 'popularity': 12.5}], 'crew': [{'id': 502, 'name': 'Paul King', 'department': 'Directing', 'job': 'Director'}]}";
    expect(parse(casts)).toEqual({
      cast: [{ id: 501, name: 'Ben Whishaw', known_for_department: 'Acting', popularity: 12.5 }],
      crew: [{ id: 502, name: 'Paul King', department: 'Directing', job: 'Director' }],
    });
  });
});

describe('strings', () => {
  it.each([
    [`'single'`, 'single'],
    [`"double"`, 'double'],
    [`''`, ''],
    [`"it's"`, "it's"],
    [`'say "hi"'`, 'say "hi"'],
    [`'Am\\xe9lie'`, 'Amélie'],
    [`'Am\\u00e9lie'`, 'Amélie'],
    [`'\\U0001F43B'`, '🐻'],
    [`'Amélie 🐻'`, 'Amélie 🐻'],
  ])('%s', (input, expected) => {
    expect(parse(input)).toBe(expected);
  });

  it('decodes every simple escape', () => {
    expect(parse(String.raw`'\\ \' \" \n \r \t \b \f \v \a \0'`)).toBe('\\ \' " \n \r \t \b \f \v \x07 \0');
  });

  it('decodes octal escapes of one to three digits', () => {
    expect(parse(String.raw`'\101\12\7\1234'`)).toBe('A\n\x07S4');
    expect(parse(String.raw`'\0\00\000'`)).toBe('\0\0\0');
  });

  it('keeps the backslash of an unknown escape, as Python does', () => {
    expect(parse(String.raw`'C:\data\d+'`)).toBe('C:\\data\\d+');
    expect(parse(String.raw`'\q'`)).toBe('\\q');
  });

  it('treats backslash-newline as a line continuation', () => {
    expect(parse("'one \\\ntwo'")).toBe('one two');
    expect(parse("'one \\\r\ntwo'")).toBe('one two');
  });

  it('concatenates adjacent literals, across whitespace and quote styles', () => {
    expect(parse(`'Bear' "'s" ' Collection'`)).toBe("Bear's Collection");
    expect(parse(`['a' 'b', 'c'\n  'd']`)).toEqual(['ab', 'cd']);
  });

  it('accepts the u prefix in either case', () => {
    expect(parse(`u'Léon'`)).toBe('Léon');
    expect(parse(`U"Léon"`)).toBe('Léon');
  });

  it('keeps backslashes in raw strings', () => {
    expect(parse(String.raw`r'\d+\n'`)).toBe('\\d+\\n');
    expect(parse(String.raw`R"a\"b"`)).toBe('a\\"b');
    expect(parse(String.raw`r'\\'`)).toBe('\\\\');
  });

  it('decodes bytes literals as UTF-8', () => {
    expect(parse(String.raw`b'Am\xc3\xa9lie'`)).toBe('Amélie');
    expect(parse(String.raw`B'\303\251'`)).toBe('é');
    // \u is not an escape in bytes: the backslash stays.
    expect(parse(String.raw`b'\u00e9'`)).toBe('\\u00e9');
    expect(parse(String.raw`rb'\x41'`)).toBe('\\x41');
    expect(parse(String.raw`b'a' b'b'`)).toBe('ab');
  });

  it.each([
    [`'open`, 0, 'unterminated string literal'],
    [`'line\nbreak'`, 0, 'unterminated string literal'],
    [String.raw`r'\'`, 1, 'unterminated string literal'],
    [String.raw`'\x4'`, 1, 'truncated \\xXX escape'],
    [String.raw`'\u12'`, 1, 'truncated \\u escape'],
    [String.raw`'\U00110000'`, 1, '\\U00110000 is not a Unicode code point'],
    [String.raw`'\N{BULLET}'`, 1, '\\N{...} named escapes are not supported'],
    [`b'é'`, 2, 'bytes literals may contain only ASCII characters'],
    [String.raw`b'\xff'`, 1, 'bytes literal is not valid UTF-8'],
    [`b'a' 'b'`, 5, 'cannot mix bytes and str literals'],
    [`f'x'`, 0, "name 'f' is not allowed (only None, True and False)"],
  ])('rejects %j', (input, position, reason) => {
    expect(errorOf(input)).toMatchObject({ position, reason });
  });
});

describe('numbers', () => {
  it.each([
    ['0', 0],
    ['42', 42],
    ['-7', -7],
    ['+7', 7],
    ['- 7', -7],
    ['1_000_000', 1_000_000],
    ['3.25', 3.25],
    ['-0.5', -0.5],
    ['.5', 0.5],
    ['5.', 5],
    ['1e3', 1000],
    ['1E-3', 0.001],
    ['2.5e+2', 250],
    ['1.e2', 100],
    ['1_0.2_5e1_0', 10.25e10],
    ['00', 0],
    ['007.5', 7.5],
  ])('%s', (input, expected) => {
    expect(parse(input)).toBe(expected);
  });

  it.each([
    ['inf', "'inf' is not a Python literal (inf/nan are not accepted)"],
    ['-inf', "'inf' is not a Python literal (inf/nan are not accepted)"],
    ['nan', "'nan' is not a Python literal (inf/nan are not accepted)"],
    ['NaN', "'NaN' is not a Python literal (inf/nan are not accepted)"],
    ['Infinity', "'Infinity' is not a Python literal (inf/nan are not accepted)"],
    ['1__0', 'invalid digit separator'],
    ['1_', 'invalid digit separator'],
    ['007', 'leading zeros in a decimal integer are not allowed'],
    ['0x1F', 'invalid number literal'],
    ['1j', 'invalid number literal'],
    ['1.2.3', 'invalid number literal'],
    ['1e', 'malformed exponent'],
    ['--1', 'a sign must be followed by a number'],
    ['-', 'a sign must be followed by a number'],
    ["-'a'", 'a sign must be followed by a number'],
    ['.', "unexpected '.'"],
    ['_1', "name '_1' is not allowed (only None, True and False)"],
  ])('rejects %s', (input, reason) => {
    expect(errorOf(input).reason).toBe(reason);
  });
});

describe('constants', () => {
  it('maps None, True and False', () => {
    expect(parse('None')).toBeNull();
    expect(parse('True')).toBe(true);
    expect(parse('False')).toBe(false);
    expect(parse('[None, True, False]')).toEqual([null, true, false]);
  });

  it.each(['null', 'true', 'none', 'Ellipsis', 'os', '__import__'])('rejects the name %s', (name) => {
    expect(errorOf(name)).toMatchObject({ position: 0, reason: `name '${name}' is not allowed (only None, True and False)` });
  });
});

describe('containers', () => {
  it('parses lists, with trailing commas and nesting', () => {
    expect(parse('[]')).toEqual([]);
    expect(parse('[1, [2, [3]], ]')).toEqual([1, [2, [3]]]);
  });

  it('distinguishes a one-element tuple from a parenthesised value', () => {
    expect(parse('(1,)')).toEqual([1]);
    expect(parse('(1)')).toBe(1);
    expect(parse("('GB')")).toBe('GB');
    expect(parse('()')).toEqual([]);
    expect(parse('((1, 2), (3,),)')).toEqual([[1, 2], [3]]);
  });

  it('parses dicts, keeping the last value of a repeated key', () => {
    expect(parse('{}')).toEqual({});
    expect(parse("{'a': 1, 'b': {'c': [1, 2]}, 'a': 3,}")).toEqual({ a: 3, b: { c: [1, 2] } });
  });

  it('turns number keys into the strings Python prints for them', () => {
    const value = parse("{1: 'a', -2: 'b', 1.5: 'c', 2.0: 'd', 1_000: 'e', 1e16: 'f', 12345678901234567890: 'g'}");
    expect(value).toEqual({ '1': 'a', '-2': 'b', '1.5': 'c', '2.0': 'd', '1000': 'e', '1e+16': 'f', '12345678901234567890': 'g' });
  });

  it("parses INSPIRED's {name: index} dicts", () => {
    expect(parse("{'Paddington 2 (2017)': 0, 'Amélie (2001)': 1}")).toEqual({ 'Paddington 2 (2017)': 0, 'Amélie (2001)': 1 });
  });

  it('parses sets into arrays in source order, dropping repeated members', () => {
    expect(parse("{'b', 'a', 'b', 3, 3, None}")).toEqual(['b', 'a', 3, null]);
    expect(parse("{'x',}")).toEqual(['x']);
    expect(parse('{(1, 2), (1, 2)}')).toEqual([
      [1, 2],
      [1, 2],
    ]);
  });

  it('keeps a __proto__ key as an own property', () => {
    const value = parse("{'__proto__': {'polluted': True}}") as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('accepts spaces, tabs and newlines between tokens', () => {
    expect(parse(" \t{\n  'a' :\t[ 1 ,\r\n 2 ] ,\n}\n ")).toEqual({ a: [1, 2] });
  });

  it.each([
    ['[1, 2', "expected ',' or ']', got end of input"],
    ['[1 2]', "expected ',' or ']', got '2'"],
    ['[,]', "unexpected ','"],
    ['(,)', "unexpected ','"],
    ["{'a' 1}", "expected ',', ':' or '}', got '1'"],
    ["{'a': 1, 'b'}", "expected ':', got '}'"],
    ["{'a': 1 'b': 2}", `expected ',' or '}', got "'"`],
    ["{None: 1}", 'dict keys must be strings or numbers'],
    ["{True: 1}", 'dict keys must be strings or numbers'],
    ["{(1, 2): 'x'}", 'dict keys must be strings or numbers'],
    ['{[1]}', 'unhashable value (list, dict or set) in a set'],
    ["{'a', {'b': 1}}", 'unhashable value (list, dict or set) in a set'],
    ['[1] [2]', "unexpected '[' after the literal"],
    ['', 'empty input: expected a literal'],
    ['   ', 'empty input: expected a literal'],
    ['# comment', "unexpected '#'"],
    ["dict(a=1)", "name 'dict' is not allowed (only None, True and False)"],
    ["[x for x in 'ab']", "name 'x' is not allowed (only None, True and False)"],
    ['1 + 2', "unexpected '+' after the literal"],
    ['{**{}}', "unexpected '*'"],
  ])('rejects %j', (input, reason) => {
    expect(errorOf(input).reason).toBe(reason);
  });

  it('reports the position of the problem', () => {
    expect(errorOf("[{'id': 18, 'name': Drama}]")).toMatchObject({ position: 20, message: "name 'Drama' is not allowed (only None, True and False) at position 20" });
  });

  it('refuses absurd nesting instead of overflowing the stack', () => {
    expect(errorOf('['.repeat(5000) + ']'.repeat(5000)).reason).toBe('nesting deeper than 1000 levels');
  });
});

describe('pythonFloatStr', () => {
  it.each([
    [1, '1.0'],
    [1.5, '1.5'],
    [-0, '-0.0'],
    [0, '0.0'],
    [123.45, '123.45'],
    [1e15, '1000000000000000.0'],
    [1e16, '1e+16'],
    [1.5e16, '1.5e+16'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1.25e-7, '1.25e-07'],
    [1e100, '1e+100'],
    [0.1 + 0.2, '0.30000000000000004'],
  ])('%p → %s', (value, expected) => {
    expect(pythonFloatStr(value)).toBe(expected);
  });
});
