import * as fc from 'fast-check';
import * as fs from 'fs';
import * as path from 'path';

import {
  readSafetensors,
  SafetensorsEntry,
  SafetensorsError,
  SafetensorsInput,
  writeSafetensors,
} from '../src/io/safetensors';

// The reader and writer of src/io/safetensors.ts against: files written by an independent Python
// implementation (scripts/make-safetensors-fixtures.py, expected values from numpy's and torch's
// own conversions), byte arrays built here by hand, the reference implementation's own test
// vectors, exhaustive checks of the small float formats against their textbook formulas, and a
// table of corrupt files.

const FIXTURES = path.join(__dirname, 'fixtures', 'safetensors');

interface ExpectedTensor {
  name: string;
  dtype: string;
  shape: number[];
  float32: string[];
}
type Expected = Record<string, { metadata: Record<string, string>; tensors: ExpectedTensor[] }>;
const expected = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8')) as Expected;

const fixture = (name: string): Uint8Array => new Uint8Array(fs.readFileSync(path.join(FIXTURES, name)));

/** The bit patterns of float32 values; fails the test for an entry's Int32Array or Uint8Array. */
function bitsOf(f: SafetensorsEntry['data']): number[] {
  expect(f).toBeInstanceOf(Float32Array);
  return Array.from(new Uint32Array(f.buffer, f.byteOffset, f.length));
}
/** float32 values from bit patterns (numbers or hex strings). */
const fromBits = (bits: ReadonlyArray<number | string>): Float32Array =>
  new Float32Array(Uint32Array.from(bits, (b) => Number(b)).buffer);

/** float32 bit patterns equal, any NaN matching any NaN (payloads are not specified). */
function expectSameFloats(actual: SafetensorsEntry['data'], expectedBits: ReadonlyArray<number | string>): void {
  const want = fromBits(expectedBits);
  expect(actual).toBeInstanceOf(Float32Array);
  const show = (f: SafetensorsEntry['data']): string[] =>
    Array.from(f, (v, i) => (Number.isNaN(v) ? 'NaN' : `0x${bitsOf(f)[i].toString(16).padStart(8, '0')}`));
  expect(show(actual)).toEqual(show(want));
}

/** A file built by hand: the size field (the header's length unless given), header text, data bytes. */
function buildFile(header: string | object, data: ArrayLike<number> = [], size?: bigint): Uint8Array {
  const text = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, size ?? BigInt(text.length), true);
  out.set(text, 8);
  out.set(Array.from(data), 8 + text.length);
  return out;
}

/** Little-endian bytes of unsigned 16-bit values. */
const u16le = (values: number[]): number[] => values.flatMap((v) => [v & 0xff, v >> 8]);
/** Little-endian bytes of float64 values. */
const f64le = (values: number[]): number[] => Array.from(new Uint8Array(new Float64Array(values).buffer));

/** One tensor `t` of the given dtype, shape and bytes, read back. */
function readOne(dtype: string, shape: number[], bytes: number[]): SafetensorsEntry['data'] {
  const file = buildFile({ t: { dtype, shape, data_offsets: [0, bytes.length] } }, bytes);
  const { tensors } = readSafetensors(file);
  expect(tensors.t.dtype).toBe(dtype);
  expect(tensors.t.shape).toEqual(shape);
  return tensors.t.data;
}

/** Element-wise Object.is: tells -0 from 0 and matches NaN with NaN. */
function expectSameValues(actual: SafetensorsEntry['data'], want: number[]): void {
  expect(actual).toBeInstanceOf(Float32Array);
  expect(actual).toHaveLength(want.length);
  const mismatches = want.flatMap((w, i) => (Object.is(actual[i], w) ? [] : [`[${i}] ${actual[i]} != ${w}`]));
  expect(mismatches).toEqual([]);
}

describe('round trip: writeSafetensors then readSafetensors', () => {
  const specials = fromBits([
    0x00000000, // 0
    0x80000000, // -0
    0x7f800000, // Infinity
    0xff800000, // -Infinity
    0x7fc00000, // NaN
    0x7fa00001, // a signalling NaN with a payload
    0xffc00123, // a negative NaN with a payload
    0x00000001, // the smallest subnormal, 2^-149
    0x807fffff, // the largest negative subnormal
    0x00800000, // the smallest normal, 2^-126
    0x7f7fffff, // the largest float32
    0xff7fffff, // its negative
    0x3eaaaaab, // 1/3
  ]);
  const random = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 43758);
  const cases: [string, number[], Float32Array][] = [
    ['a scalar', [], Float32Array.of(-1.25)],
    ['an empty 1-D tensor', [0], new Float32Array(0)],
    ['an empty 3-D tensor', [2, 0, 3], new Float32Array(0)],
    ['1-D', [7], random(7)],
    ['2-D', [3, 4], random(12)],
    ['3-D', [2, 3, 4], random(24)],
    ['4-D', [2, 1, 3, 2], random(12)],
    ['special values', [specials.length], specials],
  ];

  it.each(cases)('%s, bit-exact', (_, shape, data) => {
    const file = readSafetensors(writeSafetensors({ t: { shape, data } }));
    expect(Object.keys(file.tensors)).toEqual(['t']);
    expect(file.tensors.t.dtype).toBe('F32');
    expect(file.tensors.t.shape).toEqual(shape);
    expect(file.tensors.t.data).toBeInstanceOf(Float32Array);
    expect(bitsOf(file.tensors.t.data)).toEqual(bitsOf(data));
    expect(file.metadata).toEqual({});
  });

  it('all the cases in one file, with metadata', () => {
    const input = Object.fromEntries(cases.map(([name, shape, data]) => [name, { shape, data }]));
    const metadata = { format: 'pt', ü: 'ünïcode 😀', empty: '' };
    const file = readSafetensors(writeSafetensors(input, metadata));
    expect(file.metadata).toEqual(metadata);
    expect(Object.keys(file.tensors).sort()).toEqual(Object.keys(input).sort());
    for (const [name, shape, data] of cases) {
      expect(file.tensors[name].shape).toEqual(shape);
      expect(bitsOf(file.tensors[name].data)).toEqual(bitsOf(data));
    }
  });

  it('random tensors and bit patterns (property)', () => {
    const tensor = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 4 }).chain((shape) =>
      fc
        .array(fc.integer({ min: 0, max: 0xffffffff }), {
          minLength: shape.reduce((a, b) => a * b, 1),
          maxLength: shape.reduce((a, b) => a * b, 1),
        })
        .map((bits) => ({ shape, data: fromBits(bits) })),
    );
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 6, unit: 'binary' }), tensor, { maxKeys: 5 }),
        fc.option(fc.dictionary(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' })), { nil: undefined }),
        (tensors, metadata) => {
          fc.pre(!('__metadata__' in tensors));
          const bytes = writeSafetensors(tensors, metadata);
          expect((8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))) % 8).toBe(0);
          const file = readSafetensors(bytes);
          expect(file.metadata).toEqual(metadata ?? {});
          expect(Object.keys(file.tensors).sort()).toEqual(Object.keys(tensors).sort());
          for (const [name, { shape, data }] of Object.entries(tensors)) {
            expect(file.tensors[name].shape).toEqual(shape);
            expect(bitsOf(file.tensors[name].data)).toEqual(bitsOf(data));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rounds numbers that are not float32 to nearest, as a Float32Array would', () => {
    const values = [0.1, 1 / 3, 1e40, -1e40, 3 * 2 ** -151, 1 + 2 ** -24, 1 + 3 * 2 ** -24, -0];
    const asArray = readSafetensors(writeSafetensors({ t: { shape: [8], data: values } })).tensors.t.data;
    const asF64 = readSafetensors(writeSafetensors({ t: { shape: [8], data: Float64Array.from(values) } })).tensors.t
      .data;
    expect(bitsOf(asArray)).toEqual(bitsOf(Float32Array.from(values)));
    expect(bitsOf(asF64)).toEqual(bitsOf(Float32Array.from(values)));
    expectSameValues(asArray, [
      Math.fround(0.1),
      Math.fround(1 / 3),
      Infinity,
      -Infinity,
      2 ** -149,
      1,
      1 + 2 ** -22,
      -0,
    ]);
  });

  it('writes a Float32Array view at an offset of a larger buffer', () => {
    const backing = Float32Array.of(9, 9, 1, 2, 3, 9);
    const view = backing.subarray(2, 5);
    const { tensors } = readSafetensors(writeSafetensors({ t: { shape: [3], data: view } }));
    expect(Array.from(tensors.t.data)).toEqual([1, 2, 3]);
  });

  it('keeps names that are special in JavaScript objects', () => {
    const names = ['__proto__', 'constructor', 'toString', '0', '10', '2', '', 'a "quoted"\\name\n', '\ud800'];
    const input: Record<string, SafetensorsInput> = {};
    names.forEach((name, i) =>
      Object.defineProperty(input, name, { value: { shape: [1], data: [i] }, enumerable: true }),
    );
    const { tensors } = readSafetensors(writeSafetensors(input));
    expect(Object.keys(tensors).sort()).toEqual([...names].sort());
    names.forEach((name, i) => expect(Object.getOwnPropertyDescriptor(tensors, name)?.value.data[0]).toBe(i));
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
  });
});

describe('the written bytes', () => {
  it('has the header layout: size LE, compact JSON sorted by name, space padding, F32 LE data', () => {
    const bytes = writeSafetensors(
      { b: { shape: [2], data: [1, -2] }, a: { shape: [], data: [0.5] } },
      { format: 'pt' },
    );
    const header =
      '{"__metadata__":{"format":"pt"},' +
      '"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},' +
      '"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}';
    expect(header).toHaveLength(138);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([144, 0, 0, 0, 0, 0, 0, 0]);
    expect(new TextDecoder().decode(bytes.subarray(8, 8 + 144))).toBe(header + '      ');
    expect(Array.from(bytes.subarray(8 + 144))).toEqual([
      ...[0x00, 0x00, 0x00, 0x3f], // a = 0.5
      ...[0x00, 0x00, 0x80, 0x3f], // b[0] = 1
      ...[0x00, 0x00, 0x00, 0xc0], // b[1] = -2
    ]);
    expect(bytes).toHaveLength(8 + 144 + 12);
  });

  it('orders names by code point (as the reference writer, in Rust, does), not by UTF-16 unit', () => {
    const bytes = writeSafetensors({ '\u{1f600}': { shape: [], data: [1] }, '\uff21': { shape: [], data: [2] } });
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + Number(bytes[0])));
    expect(text.indexOf('\uff21')).toBeLessThan(text.indexOf('\u{1f600}'));
    expect(text).toContain('"\uff21":{"dtype":"F32","shape":[],"data_offsets":[0,4]}');
  });

  it('writes __metadata__ only when metadata is given, an empty object when it is empty', () => {
    const header = (m?: Record<string, string>): string => {
      const bytes = writeSafetensors({ x: { shape: [1], data: [0] } }, m);
      return new TextDecoder().decode(bytes.subarray(8, 8 + Number(bytes[0]))).trimEnd();
    };
    expect(header()).toBe('{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}');
    expect(header({})).toBe('{"__metadata__":{},"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}');
    expect(header({ z: '1', a: '2' })).toMatch(/^\{"__metadata__":\{"a":"2","z":"1"\},"x":/);
  });

  // The expected bytes of the reference implementation's own tests (huggingface/safetensors,
  // safetensors/src/tensor.rs: test_serialization, test_serialization_forced_alignement, test_empty).
  it.each([
    [
      'attn.0, [1, 2, 3]',
      { 'attn.0': { shape: [1, 2, 3], data: [0, 1, 2, 3, 4, 5] } },
      undefined,
      [
        64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34, 58,
        34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116,
        97, 95, 111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
        0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
      ],
    ],
    [
      'attn0, [1, 1, 2, 3], padded',
      { attn0: { shape: [1, 1, 2, 3], data: [0, 1, 2, 3, 4, 5] } },
      undefined,
      [
        72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34, 58, 34,
        70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58, 91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97,
        116, 97, 95, 111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32,
        32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
      ],
    ],
    ['no tensors', {}, undefined, [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]],
    [
      'no tensors, metadata',
      {},
      { framework: 'pt' },
      [
        40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95, 95, 34, 58, 123, 34, 102,
        114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112, 116, 34, 125, 125, 32, 32, 32, 32, 32,
      ],
    ],
  ])('matches the reference test vector: %s', (_, tensors, metadata, want) => {
    const bytes = writeSafetensors(tensors, metadata);
    expect(Array.from(bytes)).toEqual(want);
    expect(readSafetensors(Uint8Array.from(want)).metadata).toEqual(metadata ?? {});
  });

  it('is byte for byte the file the Python writer made from the same values (python-f32.safetensors)', () => {
    const { metadata, tensors } = expected['python-f32.safetensors'];
    const input = Object.fromEntries(tensors.map((t) => [t.name, { shape: t.shape, data: fromBits(t.float32) }]));
    expect(Array.from(writeSafetensors(input, metadata))).toEqual(Array.from(fixture('python-f32.safetensors')));
  });
});

describe('reading files written independently', () => {
  it.each(Object.keys(expected))('%s: names, dtypes, shapes, values and metadata', (name) => {
    const want = expected[name];
    const file = readSafetensors(fixture(name));
    expect(file.metadata).toEqual(want.metadata);
    // Tensors come in the order of their data (none of these names is an integer, which objects put first).
    expect(Object.keys(file.tensors)).toEqual(want.tensors.map((t) => t.name));
    for (const t of want.tensors) {
      expect([t.name, file.tensors[t.name].dtype, file.tensors[t.name].shape]).toEqual([t.name, t.dtype, t.shape]);
      expectSameFloats(file.tensors[t.name].data, t.float32);
    }
  });

  it('the fixtures cover F16, BF16, F64 and F32, and unaligned.safetensors is really unaligned', () => {
    const dtypes = new Set(Object.values(expected).flatMap((f) => f.tensors.map((t) => t.dtype)));
    expect([...dtypes].sort()).toEqual(['BF16', 'F16', 'F32', 'F64']);
    const bytes = fixture('unaligned.safetensors');
    const headerSize = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerSize)));
    expect((8 + headerSize) % 2).toBe(1);
    expect((8 + headerSize + header['b.float'].data_offsets[0]) % 4).not.toBe(0);
    expect((8 + headerSize + header['c.double'].data_offsets[0]) % 8).not.toBe(0);
    expect(header['b.float'].dtype).toBe('F32');
    expect(header['c.double'].dtype).toBe('F64');
  });

  it('F16 known values', () => {
    const halves = [
      0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0xfc00, 0x8000, 0x0000, 0x0400, 0x03ff, 0x7e00, 0x3555, 0x8001,
    ];
    const want = [
      1,
      -2,
      65504,
      2 ** -24,
      Infinity,
      -Infinity,
      -0,
      0,
      2 ** -14,
      1023 * 2 ** -24,
      NaN,
      0.333251953125,
      -(2 ** -24),
    ];
    expectSameValues(readOne('F16', [13], u16le(halves)), want);
  });

  it('BF16 known values', () => {
    const values = [0x3f80, 0xc000, 0x7f80, 0xff80, 0x0001, 0x8000, 0x7fc0, 0x4049, 0x7f7f];
    const want = [1, -2, Infinity, -Infinity, 2 ** -133, -0, NaN, 3.140625, 255 * 2 ** 120];
    expectSameValues(readOne('BF16', [3, 3], u16le(values)), want);
  });

  it('F64 rounded to the nearest float32, ties to even', () => {
    const values = [0.1, 1 + 2 ** -24, 1 + 3 * 2 ** -24, 1e39, -1e-50, 2 ** -149, 2 ** -150, 3 * 2 ** -151, -65504.5];
    const want = [Math.fround(0.1), 1, 1 + 2 ** -22, Infinity, -0, 2 ** -149, 0, 2 ** -149, -65504.5];
    expect(Math.fround(0.1)).not.toBe(0.1);
    expectSameValues(readOne('F64', [9], f64le(values)), want);
  });

  it('F8_E4M3 and F8_E5M2 known values', () => {
    const e4m3 = [0x38, 0x7e, 0xfe, 0x7f, 0xff, 0x01, 0x08, 0x80, 0x00, 0x3c];
    expectSameValues(readOne('F8_E4M3', [10], e4m3), [1, 448, -448, NaN, NaN, 2 ** -9, 2 ** -6, -0, 0, 1.5]);
    const e5m2 = [0x3c, 0x7b, 0x7c, 0xfc, 0x7e, 0x01, 0x04, 0x80, 0xc0];
    expectSameValues(readOne('F8_E5M2', [9], e5m2), [1, 57344, Infinity, -Infinity, NaN, 2 ** -16, 2 ** -14, -0, -2]);
  });

  /** Every bit pattern of a float format with `e` exponent and `m` mantissa bits, against its formula. */
  function exhaustive(dtype: string, e: number, m: number, ieee: boolean): void {
    const count = 2 ** (1 + e + m);
    const bias = 2 ** (e - 1) - 1;
    const patterns = Array.from({ length: count }, (_, i) => i);
    const want = patterns.map((p) => {
      const sign = p >> (e + m) ? -1 : 1;
      const exponent = (p >> m) & (2 ** e - 1);
      const mantissa = p & (2 ** m - 1);
      if (exponent === 2 ** e - 1 && (ieee || mantissa === 2 ** m - 1)) {
        return ieee && mantissa === 0 ? sign * Infinity : NaN;
      }
      if (exponent === 0) return sign * mantissa * 2 ** (1 - bias - m);
      return sign * (2 ** m + mantissa) * 2 ** (exponent - bias - m);
    });
    const bytes = count === 256 ? patterns : u16le(patterns);
    expectSameValues(readOne(dtype, [count], bytes), want);
  }
  it('F16: all 65536 bit patterns', () => exhaustive('F16', 5, 10, true));
  it('BF16: all 65536 bit patterns', () => exhaustive('BF16', 8, 7, true));
  it('F8_E5M2: all 256 bit patterns', () => exhaustive('F8_E5M2', 5, 2, true));
  it('F8_E4M3: all 256 bit patterns (no infinities, S.1111.111 is NaN)', () => exhaustive('F8_E4M3', 4, 3, false));

  it('F32 and F64 at unaligned offsets, header without padding', () => {
    const f32 = Float32Array.of(1.5, -0, 3e-40, Infinity);
    const header = {
      h: { dtype: 'F16', shape: [1], data_offsets: [0, 2] },
      f: { dtype: 'F32', shape: [2, 2], data_offsets: [2, 18] },
      d: { dtype: 'F64', shape: [1], data_offsets: [18, 26] },
    };
    const text = JSON.stringify(header) + ' ';
    expect((8 + text.length) % 4).not.toBe(0);
    const file = buildFile(text, [...u16le([0x3c00]), ...new Uint8Array(f32.buffer), ...f64le([0.25])]);
    const { tensors } = readSafetensors(file);
    expect(bitsOf(tensors.f.data)).toEqual(bitsOf(f32));
    expectSameValues(tensors.d.data, [0.25]);
    expectSameValues(tensors.h.data, [1]);
  });

  it('returns copies that do not alias the input', () => {
    const bytes = writeSafetensors({ t: { shape: [2], data: [1, 2] } });
    const { tensors } = readSafetensors(bytes);
    expect(tensors.t.data.buffer).not.toBe(bytes.buffer);
    bytes.fill(0, bytes.length - 8);
    expect(Array.from(tensors.t.data)).toEqual([1, 2]);
  });

  it('accepts an ArrayBuffer, a Buffer, and a Uint8Array at an offset in a larger buffer', () => {
    const bytes = writeSafetensors({ t: { shape: [2], data: [1, 2] } }, { k: 'v' });
    const embedded = new Uint8Array(bytes.length + 13);
    embedded.set(bytes, 5);
    const inputs: (Uint8Array | ArrayBuffer)[] = [
      bytes.slice().buffer,
      Buffer.from(bytes),
      embedded.subarray(5, 5 + bytes.length),
    ];
    for (const input of inputs) {
      const file = readSafetensors(input);
      expect(Array.from(file.tensors.t.data)).toEqual([1, 2]);
      expect(file.metadata).toEqual({ k: 'v' });
    }
  });

  it('accepts any padding of spaces, keys in any order, a null __metadata__ and extra fields', () => {
    for (const pad of [0, 1, 3, 8, 17]) {
      const header = {
        b: { dtype: 'F32', shape: [], data_offsets: [4, 8], extra: 'ignored' },
        __metadata__: null,
        a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
      };
      const file = buildFile(JSON.stringify(header) + ' '.repeat(pad), [0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]);
      const read = readSafetensors(file);
      expect(Object.keys(read.tensors)).toEqual(['a', 'b']);
      expectSameValues(read.tensors.a.data, [1]);
      expectSameValues(read.tensors.b.data, [-2]);
      expect(read.metadata).toEqual({});
    }
  });

  it('reads zero-size tensors at any offset between others, and a file without tensors', () => {
    const header = {
      a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
      e1: { dtype: 'F16', shape: [0], data_offsets: [0, 0] },
      e2: { dtype: 'F64', shape: [3, 0], data_offsets: [4, 4] },
      e3: { dtype: 'BF16', shape: [0, 5], data_offsets: [4, 4] },
    };
    const { tensors } = readSafetensors(buildFile(header, [0, 0, 0x80, 0x3f]));
    expect(Object.keys(tensors).sort()).toEqual(['a', 'e1', 'e2', 'e3']);
    expect(tensors.e2.shape).toEqual([3, 0]);
    expect(tensors.e2.data).toHaveLength(0);
    expect(readSafetensors(buildFile('{}')).tensors).toEqual({});
  });
});

/** Little-endian bytes of values stored with a DataView setter: the encoding, written out independently. */
function encode(dtype: string, values: (number | bigint)[]): number[] {
  const sizes: Record<string, number> = { I8: 1, U8: 1, BOOL: 1, I16: 2, U16: 2, I32: 4, U32: 4, I64: 8, U64: 8 };
  const view = new DataView(new ArrayBuffer(sizes[dtype] * values.length));
  values.forEach((v, i) => {
    const at = sizes[dtype] * i;
    if (dtype === 'I8') view.setInt8(at, Number(v));
    if (dtype === 'U8' || dtype === 'BOOL') view.setUint8(at, Number(v));
    if (dtype === 'I16') view.setInt16(at, Number(v), true);
    if (dtype === 'U16') view.setUint16(at, Number(v), true);
    if (dtype === 'I32') view.setInt32(at, Number(v), true);
    if (dtype === 'U32') view.setUint32(at, Number(v), true);
    if (dtype === 'I64') view.setBigInt64(at, BigInt(v), true);
    if (dtype === 'U64') view.setBigUint64(at, BigInt(v), true);
  });
  return Array.from(new Uint8Array(view.buffer));
}

/** The error readSafetensors throws for `bytes`, which must be a SafetensorsError. */
function readError(bytes: Uint8Array | ArrayBuffer): Error {
  let error: unknown;
  try {
    readSafetensors(bytes);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(SafetensorsError);
  expect((error as Error).message).toMatch(/^safetensors: /);
  return error as Error;
}

describe('integer and BOOL tensors (whole PyTorch checkpoints)', () => {
  const MIN = -(2 ** 31);
  const MAX = 2 ** 31 - 1;
  // Each dtype's extremes where int32 holds them, and values whose bytes differ in every position.
  const fitting: [string, number[]][] = [
    ['I8', [-128, -1, 0, 1, 127]],
    ['U8', [0, 1, 128, 255]],
    ['I16', [-32768, -1, 0, 0x1234, 32767]],
    ['U16', [0, 0x8001, 65535]],
    ['I32', [MIN, -1, 0, 0x12345678, MAX]],
    ['U32', [0, 1, 0x12345678, MAX]],
    ['I64', [MIN, -1, 0, 1200, MAX]],
    ['U64', [0, 1200, MAX]],
  ];

  it.each(fitting)('reads %s tensors as exact int32 values', (dtype, values) => {
    const shape = [values.length];
    const data = readOne(dtype, shape, encode(dtype, values));
    expect(data).toBeInstanceOf(Int32Array);
    expect(Array.from(data)).toEqual(values);
  });

  it('reads BOOL tensors as 0 and 1 bytes, at any offset and shape', () => {
    const header = {
      w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
      mask: { dtype: 'BOOL', shape: [2, 3], data_offsets: [4, 10] },
    };
    const { tensors } = readSafetensors(buildFile(header, [0, 0, 0x80, 0x3f, 1, 0, 0, 1, 1, 0]));
    expect(tensors.mask.dtype).toBe('BOOL');
    expect(tensors.mask.shape).toEqual([2, 3]);
    expect(tensors.mask.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(tensors.mask.data)).toEqual([1, 0, 0, 1, 1, 0]);
    expectSameValues(tensors.w.data, [1]);
  });

  it('reads a BatchNorm checkpoint: I64 num_batches_tracked beside F32 weights, unaligned too', () => {
    // The reference writer puts I64 first (largest alignment); this file puts it last, at offset 4.
    const header = {
      'bn.weight': { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
      'bn.num_batches_tracked': { dtype: 'I64', shape: [], data_offsets: [4, 12] },
    };
    const { tensors } = readSafetensors(buildFile(header, [0, 0, 0x80, 0x3f, ...encode('I64', [1200])]));
    expect(tensors['bn.num_batches_tracked']).toEqual({ dtype: 'I64', shape: [], data: Int32Array.of(1200) });
    expectSameValues(tensors['bn.weight'].data, [1]);
  });

  it.each<[string, (number | bigint)[], string]>([
    ['I64', [0, 2 ** 31], '2147483648 at flat index 1'],
    ['I64', [-(2 ** 31) - 1], '-2147483649 at flat index 0'],
    ['I64', [1, 2, -(BigInt(2) ** BigInt(63))], '-9223372036854775808 at flat index 2'],
    ['U64', [BigInt(2) ** BigInt(64) - BigInt(1)], '18446744073709551615 at flat index 0'],
    ['U64', [2 ** 32], '4294967296 at flat index 0'],
    ['U32', [5, 2 ** 31], '2147483648 at flat index 1'],
  ])('rejects an %s value int32 cannot hold, naming the tensor and the value (%s)', (dtype, values, where) => {
    const header = { 'bn.num_batches_tracked': { dtype, shape: [values.length], data_offsets: [0, 0] } };
    const bytes = encode(dtype, values);
    header['bn.num_batches_tracked'].data_offsets[1] = bytes.length;
    const error = readError(buildFile(header, bytes));
    expect(error.message).toBe(
      `safetensors: tensor "bn.num_batches_tracked" (${dtype}, shape [${values.length}]) holds ${where}, ` +
        `which int32, tfjs' only integer type, cannot hold (it holds -2147483648 to 2147483647)`,
    );
  });

  it('rejects a BOOL byte that is neither 0 nor 1', () => {
    const header = { mask: { dtype: 'BOOL', shape: [3], data_offsets: [0, 3] } };
    expect(readError(buildFile(header, [1, 0, 2])).message).toBe(
      'safetensors: tensor "mask" (BOOL, shape [3]) holds 2 at flat index 2: a BOOL byte must be 0 or 1',
    );
  });

  it('reports a corrupt header before a value that does not fit', () => {
    const header = { n: { dtype: 'I64', shape: [], data_offsets: [0, 8] } };
    const bytes = [...encode('I64', [2 ** 40]), 0, 0, 0, 0];
    expect(readError(buildFile(header, bytes)).message).toMatch(/4 trailing bytes/);
  });

  const writable: [string, number[]][] = [
    ...fitting,
    ['I64', [Number.MIN_SAFE_INTEGER, -(2 ** 40), 2 ** 40, Number.MAX_SAFE_INTEGER]],
    ['U64', [2 ** 32, Number.MAX_SAFE_INTEGER]],
    ['U32', [2 ** 32 - 1]],
    ['BOOL', [0, 1, 1, 0]],
  ];
  it.each(writable)('writes %s values exactly, as the DataView encoding', (dtype, values) => {
    const bytes = writeSafetensors({ t: { shape: [values.length], data: values, dtype } as SafetensorsInput });
    const size = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + size)));
    expect(header.t).toEqual({ dtype, shape: [values.length], data_offsets: [0, encode(dtype, values).length] });
    expect(Array.from(bytes.subarray(8 + size))).toEqual(encode(dtype, values));
  });

  it('writes Int32Array and Uint8Array data, and reads back what it wrote', () => {
    const ints = Int32Array.of(-(2 ** 31), -1, 0, 7, 2 ** 31 - 1);
    const mask = Uint8Array.of(1, 0, 1);
    const file = readSafetensors(
      writeSafetensors({
        i64: { shape: [5], data: ints, dtype: 'I64' },
        i8: { shape: [1, 1], data: Int32Array.of(-5), dtype: 'I8' },
        mask: { shape: [3], data: mask, dtype: 'BOOL' },
      }),
    );
    expect(file.tensors.i64).toEqual({ dtype: 'I64', shape: [5], data: ints });
    expect(file.tensors.i8).toEqual({ dtype: 'I8', shape: [1, 1], data: Int32Array.of(-5) });
    expect(file.tensors.mask).toEqual({ dtype: 'BOOL', shape: [3], data: mask });
  });

  it('lays tensors out as the reference writer does: by dtype, 8-byte types first, then by name', () => {
    const bytes = writeSafetensors({
      a: { shape: [1], data: [1] },
      mask: { shape: [1], data: [1], dtype: 'BOOL' },
      steps: { shape: [], data: [3], dtype: 'I64' },
      b: { shape: [1], data: [2], dtype: 'I32' },
      idx: { shape: [2], data: [4, 5], dtype: 'U8' },
      count: { shape: [], data: [6], dtype: 'U64' },
      c: { shape: [1], data: [7], dtype: 'I16' },
    });
    const header =
      '{"count":{"dtype":"U64","shape":[],"data_offsets":[0,8]},' +
      '"steps":{"dtype":"I64","shape":[],"data_offsets":[8,16]},' +
      '"a":{"dtype":"F32","shape":[1],"data_offsets":[16,20]},' +
      '"b":{"dtype":"I32","shape":[1],"data_offsets":[20,24]},' +
      '"c":{"dtype":"I16","shape":[1],"data_offsets":[24,26]},' +
      '"idx":{"dtype":"U8","shape":[2],"data_offsets":[26,28]},' +
      '"mask":{"dtype":"BOOL","shape":[1],"data_offsets":[28,29]}}';
    const size = header.length + ((8 - (header.length % 8)) % 8);
    expect(Number(new DataView(bytes.buffer).getBigUint64(0, true))).toBe(size);
    expect(new TextDecoder().decode(bytes.subarray(8, 8 + size))).toBe(header.padEnd(size, ' '));
    expect(Array.from(bytes.subarray(8 + size))).toEqual([
      ...encode('U64', [6]),
      ...encode('I64', [3]),
      ...[0x00, 0x00, 0x80, 0x3f],
      ...encode('I32', [2]),
      ...encode('I16', [7]),
      ...[4, 5],
      1,
    ]);
  });

  it('a checkpoint in the reference layout, read and written back with its dtypes, is the same bytes', () => {
    const header =
      '{"__metadata__":{"format":"pt"},' +
      '"bn.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[0,8]},' +
      '"bn.running_mean":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},' +
      '"lstm.weight_ih_l0":{"dtype":"F32","shape":[1,2],"data_offsets":[16,24]},' +
      '"mask":{"dtype":"BOOL","shape":[3],"data_offsets":[24,27]}}';
    const padded = header.padEnd(header.length + ((8 - (header.length % 8)) % 8), ' ');
    const data = [
      ...encode('I64', [1200]),
      ...new Uint8Array(Float32Array.of(0.5, -0.25, 3, 1e-3).buffer),
      ...[1, 0, 1],
    ];
    const original = buildFile(padded, data);
    const file = readSafetensors(original);
    // Only F32, I64 and BOOL here: dtypes the writer writes as they are.
    const tensors = file.tensors as Record<string, SafetensorsInput>;
    expect(Array.from(writeSafetensors(tensors, file.metadata))).toEqual(Array.from(original));
  });

  it.each<[string, SafetensorsInput, RegExp]>([
    [
      'I64 beyond 2^53',
      { shape: [1], data: [2 ** 53], dtype: 'I64' },
      /cannot write tensor "t": data\[0\] is 9007199254740992, but I64 holds the integers -9007199254740991 to 9007199254740991/,
    ],
    ['U8 negative', { shape: [2], data: [0, -1], dtype: 'U8' }, /data\[1\] is -1, but U8 holds the integers 0 to 255/],
    ['I16 fractional', { shape: [1], data: [1.5], dtype: 'I16' }, /data\[0\] is 1.5, but I16 holds the integers/],
    ['I32 NaN', { shape: [1], data: [NaN], dtype: 'I32' }, /data\[0\] is null, but I32 holds the integers/],
    ['BOOL 2', { shape: [1], data: [2], dtype: 'BOOL' }, /data\[0\] is 2, but BOOL holds the integers 0 to 1/],
    [
      'a float dtype it does not write',
      { shape: [1], data: [1], dtype: 'F16' as 'F32' },
      /cannot write tensor "t": dtype must be one of F32, I8, I16, I32, I64, U8, U16, U32, U64, BOOL, got "F16"/,
    ],
  ])('rejects %s', (_, tensor, message) => {
    expect(() => writeSafetensors({ t: tensor })).toThrow(SafetensorsError);
    expect(() => writeSafetensors({ t: tensor })).toThrow(message);
  });
});

describe('corrupt files', () => {
  const f32 = (begin: number, end: number, shape = [(end - begin) / 4]): object => ({
    dtype: 'F32',
    shape,
    data_offsets: [begin, end],
  });
  const cases: [string, Uint8Array | ArrayBuffer, RegExp][] = [
    [
      'not bytes',
      'abc' as unknown as Uint8Array,
      /expected the file's bytes as a Uint8Array or ArrayBuffer, got "abc"/,
    ],
    ['shorter than 8 bytes', new Uint8Array(5), /file is 5 bytes, shorter than the 8-byte header size/],
    [
      'header size beyond the file',
      buildFile('{}'.padEnd(192 - 8), [], BigInt(1234)),
      /header size 1234 exceeds the file \(192 bytes, 184 after the size\)/,
    ],
    [
      'header size 2^53, not a safe integer',
      buildFile('{}', [], BigInt(2) ** BigInt(53)),
      /header size 9007199254740992 is not a safe integer/,
    ],
    [
      'header size 2^64 - 1',
      buildFile('{}', [], BigInt(2) ** BigInt(64) - BigInt(1)),
      /header size 18446744073709551615 is not a safe integer/,
    ],
    [
      'header not UTF-8',
      buildFile('{"?":1}').map((b, i) => (i === 10 ? 0xff : b)),
      /header \(bytes 8 to 15\) is not valid UTF-8/,
    ],
    [
      'header not JSON',
      buildFile('{"a": {"dtype": "F32",'),
      /header is not valid JSON \(.+\): \{"a": \{"dtype": "F32",/,
    ],
    ['header with a byte-order mark', buildFile('\ufeff{}'), /header is not valid JSON \(.+\): \ufeff\{\}$/],
    ['header padded with NULs, not spaces', buildFile('{}\0\0\0\0\0\0'), /header is not valid JSON \(.+\): \{\}\0{6}$/],
    ['header an array', buildFile('[1, 2]'), /header must be a JSON object, got array \[1,2\]/],
    ['header null', buildFile('null'), /header must be a JSON object, got null/],
    [
      'entry not an object',
      buildFile({ w: 3 }),
      /tensor "w": expected an object with dtype, shape and data_offsets, got 3/,
    ],
    ['entry without dtype', buildFile({ w: { shape: [], data_offsets: [0, 0] } }), /tensor "w": missing "dtype"/],
    ['entry without shape', buildFile({ w: { dtype: 'F32', data_offsets: [0, 0] } }), /tensor "w": missing "shape"/],
    ['entry without offsets', buildFile({ w: { dtype: 'F32', shape: [] } }), /tensor "w": missing "data_offsets"/],
    [
      'dtype not a string',
      buildFile({ w: { dtype: 32, shape: [], data_offsets: [0, 4] } }),
      /tensor "w": "dtype" must be a string, got 32/,
    ],
    [
      'unknown dtype',
      buildFile({ w: { dtype: 'F128', shape: [], data_offsets: [0, 16] } }),
      /tensor "w": unknown dtype "F128" \(expected one of F64, F32, /,
    ],
    [
      'lowercase dtype',
      buildFile({ w: { dtype: 'f32', shape: [], data_offsets: [0, 4] } }),
      /tensor "w": unknown dtype "f32"/,
    ],
    [
      'negative dim',
      buildFile({ w: f32(0, 8, [2, -1]) }),
      /tensor "w": "shape" must be an array of non-negative integers, got array \[2,-1\]/,
    ],
    [
      'fractional dim',
      buildFile({ w: f32(0, 8, [1.5]) }),
      /tensor "w": "shape" must be an array of non-negative integers, got array \[1.5\]/,
    ],
    [
      'shape not an array',
      buildFile({ w: f32(0, 8, 2 as unknown as number[]) }),
      /tensor "w": "shape" must be an array of non-negative integers, got 2/,
    ],
    [
      'one offset',
      buildFile({ w: { dtype: 'F32', shape: [], data_offsets: [4] } }),
      /tensor "w": "data_offsets" must be \[begin, end\], two non-negative integers, got array \[4\]/,
    ],
    [
      'negative offset',
      buildFile({ w: { dtype: 'F32', shape: [], data_offsets: [-4, 0] } }),
      /tensor "w": "data_offsets" must be .* got array \[-4,0\]/,
    ],
    [
      'string offset',
      buildFile({ w: { dtype: 'F32', shape: [], data_offsets: ['0', 4] } }),
      /tensor "w": "data_offsets" must be .* got array \["0",4\]/,
    ],
    [
      'end before begin',
      buildFile({ w: f32(8, 4, []) }, new Uint8Array(8)),
      /tensor "w": data_offsets \[8, 4\] end before begin/,
    ],
    [
      'offsets beyond the buffer (truncated)',
      buildFile({ w: f32(0, 64) }, new Uint8Array(32)),
      /tensor "w": data_offsets \[0, 64\] go beyond the data buffer \(32 bytes; file truncated\?\)/,
    ],
    [
      'size not shape × dtype size',
      buildFile({ w: f32(0, 24, [2, 4]) }, new Uint8Array(24)),
      /tensor "w": data_offsets \[0, 24\] hold 24 bytes, but shape \[2, 4\] of F32 needs 32 \(8 elements of 4 bytes\)/,
    ],
    [
      'F16 size with an F32 dtype',
      buildFile({ w: f32(0, 6, [3]) }, new Uint8Array(6)),
      /hold 6 bytes, but shape \[3\] of F32 needs 12/,
    ],
    [
      'overlapping tensors',
      buildFile({ b: f32(4, 12), a: f32(0, 8) }, new Uint8Array(12)),
      /tensors "a" \(data_offsets \[0, 8\]\) and "b" \(data_offsets \[4, 12\]\) overlap/,
    ],
    [
      'two tensors on the same bytes',
      buildFile({ a: f32(0, 8), b: f32(0, 8) }, new Uint8Array(8)),
      /tensors "a" \(data_offsets \[0, 8\]\) and "b" \(data_offsets \[0, 8\]\) overlap/,
    ],
    [
      'a hole between tensors',
      buildFile({ a: f32(0, 8), b: f32(12, 16) }, new Uint8Array(16)),
      /bytes \[8, 12\) of the data buffer belong to no tensor: a hole between "a" \(data_offsets \[0, 8\]\) and "b"/,
    ],
    [
      'a hole at the start',
      buildFile({ a: f32(4, 8) }, new Uint8Array(8)),
      /bytes \[0, 4\) of the data buffer belong to no tensor: a hole before "a"/,
    ],
    [
      'trailing bytes',
      buildFile({ a: f32(0, 16) }, new Uint8Array(20)),
      /the data buffer is 20 bytes but the tensors cover 16: 4 trailing bytes/,
    ],
    [
      'data but no tensors',
      buildFile('{}', [1, 2, 3]),
      /the data buffer is 3 bytes but the tensors cover 0: 3 trailing bytes/,
    ],
    [
      '__metadata__ not an object',
      buildFile({ __metadata__: ['pt'] }),
      /"__metadata__" must be an object of strings, got array \["pt"\]/,
    ],
    [
      '__metadata__ a string',
      buildFile({ __metadata__: 'pt' }),
      /"__metadata__" must be an object of strings, got "pt"/,
    ],
    [
      '__metadata__ with a number',
      buildFile({ __metadata__: { format: 'pt', epoch: 3 } }),
      /"__metadata__" must be an object of strings, but "epoch" is 3/,
    ],
  ];

  // JSON.parse reads any depth; the messages show the first levels of what they name.
  const deepArray = '['.repeat(100_000) + ']'.repeat(100_000);
  const deepObject = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
  cases.push(
    [
      'header an array nested 100,000 levels deep',
      buildFile(deepArray),
      /header must be a JSON object, got array \[{9}\.\.\.\]{9}$/,
    ],
    [
      'entry nested 100,000 levels deep',
      buildFile(`{"w":${deepArray}}`),
      /tensor "w": expected an object with dtype, shape and data_offsets, got array \[{9}\.\.\.\]{9}$/,
    ],
    [
      'dtype nested 100,000 levels deep',
      buildFile(`{"w":{"dtype":${deepObject},"shape":[],"data_offsets":[0,0]}}`),
      /tensor "w": "dtype" must be a string, got object (\{"a":){8}\{\.\.\.\}{9}$/,
    ],
    [
      'shape nested 100,000 levels deep',
      buildFile(`{"w":{"dtype":"F32","shape":[1,${deepArray}],"data_offsets":[0,4]}}`),
      /tensor "w": "shape" must be an array of non-negative integers, got array \[1,\[{8}\.\.\.\]{9}$/,
    ],
    [
      '__metadata__ value nested 100,000 levels deep',
      buildFile(`{"__metadata__":{"k":${deepObject}}}`),
      /"__metadata__" must be an object of strings, but "k" is object (\{"a":){8}\{\.\.\.\}{9}$/,
    ],
  );

  it.each(cases)('%s', (_, bytes, message) => {
    expect(readError(bytes).message).toMatch(message);
  });

  it('a JSON.parse that runs out of stack (an engine whose parser recurses) is still a SafetensorsError', () => {
    const parse = jest.spyOn(JSON, 'parse').mockImplementationOnce(() => {
      throw new RangeError('Maximum call stack size exceeded');
    });
    try {
      expect(readError(buildFile('{"w":[[[[1]]]]}')).message).toBe(
        'safetensors: header nests too deeply to parse (Maximum call stack size exceeded): {"w":[[[[1]]]]}',
      );
    } finally {
      parse.mockRestore();
    }
  });

  it('an input that throws when inspected is a SafetensorsError too, with the original as its cause', () => {
    const boom = new Error('boom');
    const hostile = new Proxy(new Uint8Array(16), {
      get() {
        throw boom;
      },
    });
    const error = readError(hostile);
    expect(error.message).toBe('safetensors: cannot read the file: Error: boom');
    expect((error as Error & { cause?: unknown }).cause).toBe(boom);
  });

  it('has at least one case per validation', () => {
    expect(cases.length).toBeGreaterThanOrEqual(12);
    expect(new Set(cases.map((c) => c[2].source)).size).toBe(cases.length);
  });
});

describe('writeSafetensors validation', () => {
  it.each<[string, Record<string, SafetensorsInput>, Record<string, string> | undefined, RegExp]>([
    [
      'fewer values than the shape',
      { w: { shape: [2, 3], data: [1, 2, 3, 4, 5] } },
      undefined,
      /cannot write tensor "w": shape \[2, 3\] has 6 elements but data has 5/,
    ],
    [
      'more values than the shape',
      { w: { shape: [], data: new Float32Array(2) } },
      undefined,
      /cannot write tensor "w": shape \[\] has 1 elements but data has 2/,
    ],
    [
      'a fractional dim',
      { w: { shape: [2, 1.5], data: [1, 2, 3] } },
      undefined,
      /cannot write tensor "w": shape must be an array of non-negative integers, got array \[2,1.5\]/,
    ],
    [
      'a negative dim',
      { w: { shape: [-1], data: [] } },
      undefined,
      /cannot write tensor "w": shape must be an array of non-negative integers, got array \[-1\]/,
    ],
    [
      'a NaN dim',
      { w: { shape: [NaN], data: [] } },
      undefined,
      /cannot write tensor "w": shape must be an array of non-negative integers, got array \[null\]/,
    ],
    [
      'a tensor named __metadata__',
      { __metadata__: { shape: [], data: [1] } },
      undefined,
      /cannot write tensor "__metadata__": the name is reserved for the metadata/,
    ],
    [
      'no data',
      { w: { shape: [1] } as unknown as SafetensorsInput },
      undefined,
      /cannot write tensor "w": data must be a typed array or an array of numbers, got undefined/,
    ],
    [
      'a string in the data',
      { w: { shape: [2], data: [1, '2'] as unknown as number[] } },
      undefined,
      /cannot write tensor "w": data\[1\] must be a number, got "2"/,
    ],
    [
      'nested arrays as data',
      { w: { shape: [2], data: [[1], [2]] as unknown as number[] } },
      undefined,
      /cannot write tensor "w": data\[0\] must be a number, got array \[1\]/,
    ],
    [
      'a metadata value not a string',
      { w: { shape: [], data: [1] } },
      { epoch: 3 as unknown as string },
      /cannot write metadata: "epoch" must be a string, got 3/,
    ],
  ])('%s', (_, tensors, metadata, message) => {
    expect(() => writeSafetensors(tensors, metadata)).toThrow(SafetensorsError);
    expect(() => writeSafetensors(tensors, metadata)).toThrow(message);
  });
});
