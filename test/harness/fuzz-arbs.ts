import fc from 'fast-check';

/**
 * fast-check arbitraries for hostile input to the horde: JSON of the wrong
 * shape, strings that are huge or odd unicode, header values, path ids and
 * images that are not what they claim to be.
 */

/** Strings that tend to break parsers, validators and SQL built by hand. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\ud800',
    '💥'.repeat(500),
    "'; DROP TABLE users; --",
    '%s%n%x',
    '../../etc/passwd',
    '__proto__',
    'constructor',
    '0000000000',
    'null',
    '1e309',
    'a'.repeat(70_000),
  ),
);

/** Any JSON value, nasty strings included. */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: nastyString },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      null,
      true,
      false,
      0,
      -1,
      1.5,
      2 ** 53,
      1e12,
      1e15,
      9007199254740.992,
      0.0005,
      -(2 ** 63),
      1e308,
      [],
      {},
      [null],
      JSON.parse('{"__proto__": {"admin": true}, "constructor": {"prototype": {"x": 1}}}') as unknown,
    ),
  },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
);

/**
 * A body derived from a valid template: each field kept, dropped or replaced
 * by anything, plus unknown fields now and then. Most cases stay close enough
 * to valid to reach the handler's logic, not only the schema.
 */
export function mutatedBody(template: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(template);
  return fc
    .record({
      choices: fc.array(fc.constantFrom<'keep' | 'drop' | 'replace'>('keep', 'keep', 'drop', 'replace'), {
        minLength: keys.length,
        maxLength: keys.length,
      }),
      replacements: fc.array(anyJson, { minLength: keys.length, maxLength: keys.length }),
      extra: fc.dictionary(fc.string({ maxLength: 12 }), anyJson, { maxKeys: 3 }),
    })
    .map(({ choices, replacements, extra }) => {
      const body: Record<string, unknown> = { ...extra };
      keys.forEach((k, i) => {
        if (choices[i] === 'keep') body[k] = template[k];
        else if (choices[i] === 'replace') body[k] = replacements[i];
      });
      return body;
    });
}

/** Raw bodies: JSON of any shape, text that is not JSON, or nothing. */
export const rawBody: fc.Arbitrary<string | undefined> = fc.oneof(
  anyJson.map((v) => JSON.stringify(v) ?? 'null'),
  fc.string({ maxLength: 200 }),
  fc.constantFrom(undefined, '', '{', '{"a":', '[1,2', '\u0000\u0001', '{"prompt": "x"}'.repeat(3), 'null'),
);

/** Header values node:http will send (latin1 without control characters). */
export const headerValue: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 64 }),
  fc.string({ unit: fc.integer({ min: 0xa0, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 16 }),
  fc.constantFrom('', '0000000000', ' ', 'k'.repeat(8_000), "' OR 1=1 --"),
);

/** An id in a URL path: real ones mixed with random, encoded, long and traversal ones. */
export function pathId(real: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(...(real.length > 0 ? real : ['none'])),
    fc.uuid(),
    fc.string({ maxLength: 40 }).map(encodeURIComponent),
    fc.constantFrom(
      '..%2F..%2Fetc%2Fpasswd',
      '%00',
      '-1',
      '0',
      '1e9',
      'null',
      'a'.repeat(3000),
      '%E2%82',
      '%',
    ),
  );
}

/** A 1×1 PNG, the smallest valid image. */
export const TINY_PNG_B64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

/** Source images that are wrong in every way we could think of. */
export const badImage: fc.Arbitrary<string> = fc.oneof(
  fc.base64String({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('base64')),
  fc.constantFrom(
    '',
    '!!!not base64!!!',
    'data:image/png;base64,',
    `data:image/png;base64,${TINY_PNG_B64.slice(0, 30)}`,
    TINY_PNG_B64.slice(0, 40),
    `data:text/html;base64,${Buffer.from('<script>').toString('base64')}`,
    // A PNG header claiming 2^32-1 × 2^32-1 pixels.
    Buffer.concat([
      Buffer.from('89504e470d0a1a0a0000000d49484452ffffffffffffffff0806000000', 'hex'),
      Buffer.alloc(16),
    ]).toString('base64'),
    // A JPEG whose segments loop or run off the end.
    Buffer.from('ffd8ffe00000ffe00000ffe00000ffe0', 'hex').toString('base64'),
    Buffer.from('ffd8ffc0ffff', 'hex').toString('base64'),
    // WebP headers cut short or with an unknown chunk.
    Buffer.from('RIFF\u0000\u0000\u0000\u0000WEBPVP8Zxxxxxxxxxxxxxxxxxx', 'latin1').toString('base64'),
    'http://example.invalid/image.png',
    'http://10.0.0.1/image.png',
    'http://127.0.0.1:1/unreachable.png',
    'file:///etc/passwd',
    'ftp://127.0.0.1/x.png',
    'http://[::1]:1/x.png',
    'A'.repeat(4_000_000),
  ),
);
