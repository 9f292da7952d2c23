import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AtFramer, type AtToken } from '../../../src/at/index.js';

const bytes = (text: string) => Buffer.from(text, 'latin1');

function frame(input: Uint8Array, chunkSizes: readonly number[] = [input.length || 1]): AtToken[] {
  const framer = new AtFramer({ maxLineLength: 256 });
  const tokens: AtToken[] = [];
  let at = 0;
  let i = 0;
  while (at < input.length) {
    const size = Math.max(1, chunkSizes[i++ % chunkSizes.length] ?? 1);
    tokens.push(...framer.push(input.subarray(at, at + size)));
    at += size;
  }
  return tokens;
}

const texts = (tokens: AtToken[]) =>
  tokens.flatMap((t) => (t.kind === 'line' ? [t.text] : t.kind === 'prompt' ? ['<prompt>'] : []));

describe('AtFramer', () => {
  it('splits lines on CR, LF and CRLF and drops empty lines', () => {
    const tokens = frame(bytes('AT+CSQ\r\r\n+CSQ: 20,99\r\n\r\nOK\r\nA\nB\r'));
    expect(texts(tokens)).toEqual(['AT+CSQ', '+CSQ: 20,99', 'OK', 'A', 'B']);
  });

  it('emits the prompt as soon as "> " is seen at the start of a line, without a line ending', () => {
    const framer = new AtFramer();
    expect(framer.push(bytes('AT+CMGS=23\r\r\n>'))).toEqual([{ kind: 'line', text: 'AT+CMGS=23' }]);
    expect(framer.push(bytes(' '))).toEqual([{ kind: 'prompt' }]);
  });

  it('does not take a ">" inside a line for a prompt', () => {
    expect(texts(frame(bytes('a> b\r\n')))).toEqual(['a> b']);
  });

  it('reports NUL and binary bytes as noise and keeps the surrounding line intact', () => {
    const tokens = frame(bytes('\x00\x00\xff+CS\x00Q: 1\r\nOK\r\n'));
    expect(tokens).toEqual([
      { kind: 'noise', reason: 'binary', length: 3, sample: '0000ff' },
      { kind: 'noise', reason: 'binary', length: 1, sample: '00' },
      { kind: 'line', text: '+CSQ: 1' },
      { kind: 'line', text: 'OK' },
    ]);
  });

  it('bounds a line that never ends and resumes at the next line ending', () => {
    const framer = new AtFramer({ maxLineLength: 8 });
    const tokens = framer.push(bytes(`${'x'.repeat(10_000)}\r\nOK\r\n`));
    expect(tokens).toEqual([
      {
        kind: 'noise',
        reason: 'overflow',
        length: 10_000,
        sample: Buffer.from('xxxxxxxx').toString('hex'),
      },
      { kind: 'line', text: 'OK' },
    ]);
  });

  it('keeps high bytes as latin1 text only when asked to', () => {
    expect(texts(new AtFramer({ keepHighBytes: true }).push(bytes('caf\xe9\r\n')))).toEqual([
      'café',
    ]);
    expect(texts(new AtFramer().push(bytes('caf\xe9\r\n')))).toEqual(['caf']);
  });

  it('flush ends a pending line and noise run at the end of a stream', () => {
    const framer = new AtFramer();
    expect(framer.push(bytes('OK\x00'))).toEqual([]);
    expect(texts(framer.flush())).toEqual(['OK']);
  });
});

// Realistic transcripts: echo, answers, URCs, PDUs, prompts, with noise anywhere inside lines.
const realisticLine = fc.constantFrom(
  'AT+CMGR=3',
  '+CMGR: 0,,24',
  '07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07',
  'OK',
  'ERROR',
  '+CME ERROR: 14',
  '+CMS ERROR: 500',
  '+CMTI: "SM",12',
  '+CDS: 25',
  '^RSSI: 17',
  'RING',
  'SMS Ready',
  '+CREG: 1,"00C3","0000D5A7",7',
  '+CUSD: 0,"Balance 10.00",15',
  '123456789012345',
);
const endings = fc.constantFrom('\r\n', '\r', '\n', '\r\r\n', '\r\n\r\n');
const noise = fc
  .uint8Array({ minLength: 1, maxLength: 6 })
  .map((arr) =>
    Buffer.from(
      arr.map((b) => ((b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d || b === 0x09 ? 0 : b)),
    ),
  );
type Piece =
  | { kind: 'line'; text: string; ending: string; noiseAt: number; noise: Buffer }
  | { kind: 'prompt' };
const piece: fc.Arbitrary<Piece> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('line' as const),
      text: fc.oneof(realisticLine, fc.stringMatching(/^[A-Za-z0-9+:,"]{1,40}$/)),
      ending: endings,
      noiseAt: fc.integer({ min: -1, max: 40 }),
      noise,
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'prompt' as const }) },
);

function render(pieces: readonly Piece[]): { input: Buffer; expected: string[] } {
  const parts: Buffer[] = [];
  const expected: string[] = [];
  for (const p of pieces) {
    if (p.kind === 'prompt') {
      parts.push(bytes('\r\n> '));
      expected.push('<prompt>');
      continue;
    }
    const at = Math.min(p.noiseAt, p.text.length);
    const text = bytes(p.text);
    parts.push(at < 0 ? text : Buffer.concat([text.subarray(0, at), p.noise, text.subarray(at)]));
    parts.push(bytes(p.ending));
    expected.push(p.text);
  }
  return { input: Buffer.concat(parts), expected };
}

describe('AtFramer chunking', () => {
  it('yields the same tokens whatever the chunk sizes, down to single bytes', () => {
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 20 }),
        (pieces, chunkSizes) => {
          const { input } = render(pieces);
          const whole = frame(input);
          expect(frame(input, chunkSizes)).toEqual(whole);
          expect(frame(input, [1])).toEqual(whole);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('recovers every line of a realistic transcript even with garbage inside lines', () => {
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 10 }),
        (pieces, chunkSizes) => {
          const { input, expected } = render(pieces);
          expect(texts(frame(input, chunkSizes))).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is chunk-independent on arbitrary bytes too', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.array(fc.integer({ min: 1, max: 33 }), { minLength: 1, maxLength: 10 }),
        (input, chunkSizes) => {
          expect(frame(input, chunkSizes)).toEqual(frame(input));
        },
      ),
      { numRuns: 300 },
    );
  });
});
