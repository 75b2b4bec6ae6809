/**
 * Hugging Face's safetensors format, read and written on bytes, without tfjs.
 *
 * A file is: 8 bytes, the header size N as a little-endian unsigned 64-bit integer; N bytes of
 * UTF-8 JSON mapping each tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}` (and
 * an optional `"__metadata__"` object of strings), padded with spaces; then the data buffer, each
 * tensor's elements little-endian in row-major order at `[begin, end)` of the buffer. The
 * tensors cover the buffer exactly: no holes, no overlaps, no trailing bytes.
 */

import { shapeText } from '../util/describe';

/** The floating-point element types of the format, read as float32. */
export type SafetensorsFloatDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'F8_E4M3' | 'F8_E5M2';

/** The integer element types of the format, read as int32 (tfjs' only integer type). */
export type SafetensorsIntDtype = 'I64' | 'I32' | 'I16' | 'I8' | 'U64' | 'U32' | 'U16' | 'U8';

/** The element types of the format. */
export type SafetensorsDtype = SafetensorsFloatDtype | SafetensorsIntDtype | 'BOOL';

/** The element types writeSafetensors writes: floats go out as F32, integers and BOOL as they are. */
export type SafetensorsWriteDtype = 'F32' | SafetensorsIntDtype | 'BOOL';

/**
 * A tensor read from a file: its dtype in the file, its shape, and its values in row-major order,
 * in the typed array for that dtype (a copy, never a view of the input). Narrow on `dtype` to get
 * the array's type.
 */
export type SafetensorsEntry =
  | {
      dtype: SafetensorsFloatDtype;
      shape: number[];
      /** The values converted to float32. */
      data: Float32Array;
    }
  | {
      dtype: SafetensorsIntDtype;
      shape: number[];
      /** The values as int32; the reader rejects a file with a value outside int32's range. */
      data: Int32Array;
    }
  | {
      dtype: 'BOOL';
      shape: number[];
      /** 0 for false, 1 for true (tfjs' own layout of a bool tensor). */
      data: Uint8Array;
    };

/** A parsed file: tensors by name, in the order of their data, and the `__metadata__` strings. */
export interface SafetensorsFile {
  tensors: Record<string, SafetensorsEntry>;
  metadata: Record<string, string>;
}

/** A tensor to write: its shape, its values in row-major order, and the dtype to store them as. */
export interface SafetensorsInput {
  shape: readonly number[];
  data: Float32Array | Int32Array | Uint8Array | ArrayLike<number>;
  /**
   * Default `'F32'`. An integer dtype takes integers in its range (for I64 and U64, safe
   * integers); `'BOOL'` takes 0 and 1.
   */
  dtype?: SafetensorsWriteDtype;
}

/** What readSafetensors and writeSafetensors throw; the message says what is wrong and where. */
export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

const DTYPE_SIZES: Readonly<Record<SafetensorsDtype, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  F8_E4M3: 1,
  F8_E5M2: 1,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
};

/** The ranges of the integer dtypes, and of BOOL, that the writer checks values against. */
const WRITE_RANGES: Readonly<Record<SafetensorsIntDtype | 'BOOL', readonly [number, number]>> = {
  I8: [-(2 ** 7), 2 ** 7 - 1],
  I16: [-(2 ** 15), 2 ** 15 - 1],
  I32: [-(2 ** 31), 2 ** 31 - 1],
  // A JavaScript number holds integers exactly up to 2^53 - 1: the writer takes no more.
  I64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  U8: [0, 2 ** 8 - 1],
  U16: [0, 2 ** 16 - 1],
  U32: [0, 2 ** 32 - 1],
  U64: [0, Number.MAX_SAFE_INTEGER],
  BOOL: [0, 1],
};

/**
 * The reference writer's order of the dtypes (its enum, in increasing alignment): it lays tensors
 * out by this order descending, then by name, so that every tensor's data stays aligned.
 */
const REFERENCE_ORDER: readonly SafetensorsDtype[] = [
  'BOOL',
  'U8',
  'I8',
  'F8_E5M2',
  'F8_E4M3',
  'I16',
  'U16',
  'F16',
  'BF16',
  'I32',
  'U32',
  'F32',
  'F64',
  'I64',
  'U64',
];

const METADATA_KEY = '__metadata__';

/** Whether typed arrays use little-endian byte order here (all current JavaScript platforms). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function fail(message: string): never {
  throw new SafetensorsError(`safetensors: ${message}`);
}

const has = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** How many levels of arrays and objects an error message shows; deeper ones are `[...]`, `{...}`. */
const DESCRIBE_DEPTH = 8;
/** How many characters of a value an error message shows. */
const DESCRIBE_LENGTH = 60;

/**
 * A value's JSON text, as JSON.stringify writes it, but only its first levels and about its first
 * `DESCRIBE_LENGTH` characters: a header nested 100,000 levels deep, which JSON.parse reads
 * without recursion, would overflow the stack of JSON.stringify (and of String on arrays).
 */
function preview(v: unknown): string {
  let out = '';
  const visit = (x: unknown, depth: number): void => {
    if (out.length > DESCRIBE_LENGTH) return;
    if (Array.isArray(x)) {
      if (depth === DESCRIBE_DEPTH) {
        out += '[...]';
        return;
      }
      out += '[';
      for (let i = 0; i < x.length && out.length <= DESCRIBE_LENGTH; i++) {
        if (i > 0) out += ',';
        const item: unknown = x[i];
        // As JSON.stringify: what JSON cannot hold is null inside an array.
        if (item === undefined || typeof item === 'function' || typeof item === 'symbol') out += 'null';
        else visit(item, depth + 1);
      }
      out += ']';
      return;
    }
    if (typeof x === 'object' && x !== null) {
      if (depth === DESCRIBE_DEPTH) {
        out += '{...}';
        return;
      }
      out += '{';
      let first = true;
      for (const key in x) {
        if (out.length > DESCRIBE_LENGTH) break;
        if (!has(x, key)) continue;
        const value: unknown = (x as Record<string, unknown>)[key];
        // As JSON.stringify: what JSON cannot hold is left out of an object.
        if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue;
        out += `${first ? '' : ','}${JSON.stringify(key)}:`;
        first = false;
        visit(value, depth + 1);
      }
      out += '}';
      return;
    }
    // Strings, numbers (NaN and ±Infinity as null), booleans; a bigint, which JSON.stringify rejects, as its digits.
    out += typeof x === 'bigint' ? String(x) : (JSON.stringify(x) ?? String(x));
  };
  visit(v, 0);
  return out;
}

/**
 * A JSON value from a header, previewed for error messages (the value itself, where `describe` of
 * util/describe.ts gives only its kind); bounded work and stack whatever the value.
 */
function describeJSON(v: unknown): string {
  if (v === undefined) return 'undefined';
  const kind = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
  let text: string;
  try {
    text = preview(v);
  } catch {
    // A getter or a proxy that throws: say what kind of object it is.
    text = Object.prototype.toString.call(v);
  }
  if (text.length > DESCRIBE_LENGTH) text = `${text.slice(0, DESCRIBE_LENGTH - 3)}...`;
  return kind === 'null' || kind === 'string' || kind === 'number' || kind === 'boolean' ? text : `${kind} ${text}`;
}

const quote = (name: string): string => JSON.stringify(name);
const isDim = (d: unknown): d is number => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0;

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A tensor's header entry, validated against the data buffer on its own. */
interface TensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

function parseInfo(name: string, value: unknown, bufferLength: number): TensorInfo {
  const where = `tensor ${quote(name)}`;
  if (!isObject(value)) {
    fail(`${where}: expected an object with dtype, shape and data_offsets, got ${describeJSON(value)}`);
  }
  for (const key of ['dtype', 'shape', 'data_offsets']) {
    if (!has(value, key)) fail(`${where}: missing "${key}" (has ${describeJSON(Object.keys(value))})`);
  }
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string') fail(`${where}: "dtype" must be a string, got ${describeJSON(dtype)}`);
  if (!has(DTYPE_SIZES, dtype)) {
    fail(`${where}: unknown dtype ${quote(dtype)} (expected one of ${Object.keys(DTYPE_SIZES).join(', ')})`);
  }
  if (!Array.isArray(shape) || !shape.every(isDim)) {
    fail(`${where}: "shape" must be an array of non-negative integers, got ${describeJSON(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isDim)) {
    fail(`${where}: "data_offsets" must be [begin, end], two non-negative integers, got ${describeJSON(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  const size = DTYPE_SIZES[dtype as SafetensorsDtype];
  if (end < begin) fail(`${where}: data_offsets [${begin}, ${end}] end before begin`);
  if (end > bufferLength) {
    fail(
      `${where}: data_offsets [${begin}, ${end}] go beyond the data buffer (${bufferLength} bytes; file truncated?)`,
    );
  }
  const needed = product(shape) * size;
  if (end - begin !== needed) {
    fail(
      `${where}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes, ` +
        `but shape ${shapeText(shape)} of ${dtype} needs ${needed} (${product(shape)} elements of ${size} bytes)`,
    );
  }
  return { name, dtype: dtype as SafetensorsDtype, shape: shape.slice(), begin, end };
}

function parseMetadata(value: unknown): Record<string, string> {
  // The reference reader treats `"__metadata__": null` as no metadata.
  if (value === null) return {};
  if (!isObject(value)) fail(`"${METADATA_KEY}" must be an object of strings, got ${describeJSON(value)}`);
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') {
      fail(`"${METADATA_KEY}" must be an object of strings, but ${quote(key)} is ${describeJSON(v)}`);
    }
  }
  return Object.fromEntries(Object.entries(value as Record<string, string>));
}

/** The float32 bits of an IEEE half (1 sign, 5 exponent, 10 mantissa bits); exact. */
function halfToFloatBits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exponent = (h >> 10) & 0x1f;
  let mantissa = h & 0x3ff;
  if (exponent === 0x1f) return sign | 0x7f800000 | (mantissa << 13); // inf, NaN (payload kept)
  if (exponent !== 0) return sign | ((exponent + 112) << 23) | (mantissa << 13);
  if (mantissa === 0) return sign; // ±0
  // A subnormal half, mantissa × 2^-24, is a normal float32: shift its leading 1 to bit 10.
  let e = 113;
  while ((mantissa & 0x400) === 0) {
    mantissa <<= 1;
    e--;
  }
  return sign | (e << 23) | ((mantissa & 0x3ff) << 13);
}

/** An OCP FP8 E4M3 ("fn": no infinities; S.1111.111 is NaN) value; exact in float32. */
function e4m3ToNumber(b: number): number {
  const sign = b & 0x80 ? -1 : 1;
  const exponent = (b >> 3) & 0xf;
  const mantissa = b & 0x7;
  if (exponent === 0xf && mantissa === 0x7) return NaN;
  if (exponent === 0) return sign * mantissa * 2 ** -9;
  return sign * (8 + mantissa) * 2 ** (exponent - 10);
}

/** A float tensor's bytes (little-endian) as a new Float32Array. */
function toFloat32(dtype: SafetensorsFloatDtype, count: number, bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  const bits = new Uint32Array(out.buffer);
  switch (dtype) {
    case 'F32':
      // slice() copies into a fresh, hence aligned, buffer: bit-exact, NaN payloads included.
      if (LITTLE_ENDIAN) return new Float32Array(bytes.slice().buffer);
      for (let i = 0; i < count; i++) bits[i] = view.getUint32(4 * i, true);
      return out;
    case 'F64':
      // Float32Array stores round the float64 to nearest, ties to even.
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, true);
      return out;
    case 'F16':
      for (let i = 0; i < count; i++) bits[i] = halfToFloatBits(view.getUint16(2 * i, true));
      return out;
    case 'BF16':
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      return out;
    case 'F8_E5M2':
      // E5M2 is the upper byte of an IEEE half.
      for (let i = 0; i < count; i++) bits[i] = halfToFloatBits(bytes[i] << 8);
      return out;
    case 'F8_E4M3':
      for (let i = 0; i < count; i++) out[i] = e4m3ToNumber(bytes[i]);
      return out;
  }
}

/**
 * An integer tensor's bytes (little-endian) as a new Int32Array, or the first value that int32
 * cannot hold (tfjs has no wider integer type, and rounding a count or an index would be wrong).
 */
function toInt32(
  dtype: SafetensorsIntDtype,
  count: number,
  bytes: Uint8Array,
): Int32Array | { index: number; value: bigint } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Int32Array(count);
  switch (dtype) {
    case 'I8':
      for (let i = 0; i < count; i++) out[i] = view.getInt8(i);
      return out;
    case 'U8':
      out.set(bytes);
      return out;
    case 'I16':
      for (let i = 0; i < count; i++) out[i] = view.getInt16(2 * i, true);
      return out;
    case 'U16':
      for (let i = 0; i < count; i++) out[i] = view.getUint16(2 * i, true);
      return out;
    case 'I32':
      for (let i = 0; i < count; i++) out[i] = view.getInt32(4 * i, true);
      return out;
    case 'U32':
      for (let i = 0; i < count; i++) {
        const v = view.getUint32(4 * i, true);
        if (v > 0x7fffffff) return { index: i, value: BigInt(v) };
        out[i] = v;
      }
      return out;
    case 'I64':
    case 'U64':
      for (let i = 0; i < count; i++) {
        const low = view.getInt32(8 * i, true);
        const high = view.getInt32(8 * i + 4, true);
        // An int32 value's upper word is its sign extension; for U64 the value must also be non-negative.
        if (high !== low >> 31 || (dtype === 'U64' && high !== 0)) {
          const value = dtype === 'I64' ? view.getBigInt64(8 * i, true) : view.getBigUint64(8 * i, true);
          return { index: i, value };
        }
        out[i] = low;
      }
      return out;
  }
}

/** A BOOL tensor's bytes as a new Uint8Array of 0 and 1, or the first byte that is neither. */
function toBool(count: number, bytes: Uint8Array): Uint8Array | { index: number; value: bigint } {
  for (let i = 0; i < count; i++) if (bytes[i] > 1) return { index: i, value: BigInt(bytes[i]) };
  return bytes.slice();
}

const FLOAT_DTYPES: readonly SafetensorsDtype[] = ['F64', 'F32', 'F16', 'BF16', 'F8_E4M3', 'F8_E5M2'];
const isFloatDtype = (dtype: SafetensorsDtype): dtype is SafetensorsFloatDtype => FLOAT_DTYPES.includes(dtype);

/** A validated tensor's values, in the typed array of its dtype. */
function toEntry(info: TensorInfo, bytes: Uint8Array): SafetensorsEntry {
  const { name, dtype, shape } = info;
  const count = product(shape);
  if (isFloatDtype(dtype)) return { dtype, shape, data: toFloat32(dtype, count, bytes) };
  const data = dtype === 'BOOL' ? toBool(count, bytes) : toInt32(dtype, count, bytes);
  if (!ArrayBuffer.isView(data)) {
    const at = `tensor ${quote(name)} (${dtype}, shape ${shapeText(shape)}) holds ${data.value} at flat index ${data.index}`;
    fail(
      dtype === 'BOOL'
        ? `${at}: a BOOL byte must be 0 or 1`
        : `${at}, which int32, tfjs' only integer type, cannot hold (it holds -2147483648 to 2147483647)`,
    );
  }
  return dtype === 'BOOL' ? { dtype, shape, data: data as Uint8Array } : { dtype, shape, data: data as Int32Array };
}

function asBytes(input: Uint8Array | ArrayBuffer): Uint8Array {
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const tag = Object.prototype.toString.call(input);
  if (tag === '[object ArrayBuffer]' || tag === '[object SharedArrayBuffer]') return new Uint8Array(input);
  return fail(`expected the file's bytes as a Uint8Array or ArrayBuffer, got ${describeJSON(input)}`);
}

/**
 * Parses a safetensors file, the whole of a PyTorch checkpoint included. Floating-point tensors
 * (F32, F16, BF16, F64, and the FP8 types F8_E4M3, F8_E5M2) come back as new Float32Arrays:
 * exactly, except F64 which is rounded to nearest float32 (overflowing to ±Infinity). Integer
 * tensors (I8, I16, I32, I64, U8, U16, U32, U64; a BatchNorm's `num_batches_tracked` is I64) come
 * back as Int32Arrays, exactly: a value outside int32's range is an error naming the tensor and
 * the value. BOOL tensors come back as Uint8Arrays of 0 and 1. Each entry keeps its dtype in the
 * file, so that `writeSafetensors` can store it as it was. Any file the reference implementation
 * would reject is rejected, and every failure is a {@link SafetensorsError}.
 *
 * @param bytes - the whole file, e.g. from `fs.readFileSync` or `await (await fetch(url)).arrayBuffer()`
 * @returns the tensors by name (in the order of their data) and the `__metadata__` strings
 * @throws SafetensorsError naming what is wrong, e.g. `safetensors: header size 1234 exceeds the file`
 *
 * @example
 * ```ts
 * const { tensors, metadata } = readSafetensors(fs.readFileSync('model.safetensors'));
 * const w = tensors['lstm.weight_ih_l0']; // { dtype: 'F32', shape: [64, 16], data: Float32Array(1024) }
 * const weight = tf.tensor(w.data, w.shape);
 * const n = tensors['bn.num_batches_tracked']; // { dtype: 'I64', shape: [], data: Int32Array(1) }
 * ```
 */
export function readSafetensors(bytes: Uint8Array | ArrayBuffer): SafetensorsFile {
  try {
    return parseFile(asBytes(bytes));
  } catch (e) {
    if (e instanceof SafetensorsError) throw e;
    // Whatever else goes wrong (no memory for a huge tensor, a stack overflow in an engine whose
    // JSON.parse recurses) is still the documented error, with the original as its cause.
    const error = new SafetensorsError(`safetensors: cannot read the file: ${String(e)}`);
    Object.defineProperty(error, 'cause', { value: e, configurable: true, writable: true });
    throw error;
  }
}

function parseFile(file: Uint8Array): SafetensorsFile {
  if (file.length < 8) fail(`file is ${file.length} bytes, shorter than the 8-byte header size`);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  if (high > 0x1fffff) {
    const exact = (BigInt(high) << BigInt(32)) | BigInt(low);
    fail(`header size ${exact} is not a safe integer (above 2^53 - 1); not a safetensors file?`);
  }
  const headerSize = high * 2 ** 32 + low;
  if (headerSize > file.length - 8) {
    fail(`header size ${headerSize} exceeds the file (${file.length} bytes, ${file.length - 8} after the size)`);
  }

  let text: string;
  try {
    // ignoreBOM keeps a byte-order mark in the text, so that JSON.parse rejects it as the reference does.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(file.subarray(8, 8 + headerSize));
  } catch {
    return fail(`header (bytes 8 to ${8 + headerSize}) is not valid UTF-8`);
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    const shown = text.length > 60 ? `${text.slice(0, 57)}...` : text;
    // V8's JSON.parse does not recurse, but an engine whose parser does runs out of stack on deep nesting.
    if (e instanceof RangeError) return fail(`header nests too deeply to parse (${e.message}): ${shown}`);
    return fail(`header is not valid JSON (${(e as Error).message}): ${shown}`);
  }
  if (!isObject(header)) fail(`header must be a JSON object, got ${describeJSON(header)}`);

  const bufferStart = 8 + headerSize;
  const bufferLength = file.length - bufferStart;
  let metadata: Record<string, string> = {};
  const infos: TensorInfo[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === METADATA_KEY) metadata = parseMetadata(value);
    else infos.push(parseInfo(name, value, bufferLength));
  }

  // The tensors must tile the buffer: sorted by offsets, each begins where the previous ended.
  infos.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: TensorInfo | undefined;
  for (const info of infos) {
    const offsets = (t: TensorInfo): string => `${quote(t.name)} (data_offsets [${t.begin}, ${t.end}])`;
    if (previous && info.begin < covered) fail(`tensors ${offsets(previous)} and ${offsets(info)} overlap`);
    if (info.begin > covered) {
      fail(
        `bytes [${covered}, ${info.begin}) of the data buffer belong to no tensor: a hole ` +
          `${previous ? `between ${offsets(previous)} and` : 'before'} ${offsets(info)}`,
      );
    }
    covered = info.end;
    previous = info;
  }
  if (covered !== bufferLength) {
    fail(
      `the data buffer is ${bufferLength} bytes but the tensors cover ${covered}: ` +
        `${bufferLength - covered} trailing bytes belong to no tensor`,
    );
  }

  // Only after the whole header is known to be valid: a corrupt file is reported as corrupt.
  const tensors = infos.map((info): [string, SafetensorsEntry] => [
    info.name,
    toEntry(info, file.subarray(bufferStart + info.begin, bufferStart + info.end)),
  ]);
  // fromEntries defines own properties, so even a tensor named "__proto__" comes back as a tensor.
  return { tensors: Object.fromEntries(tensors), metadata };
}

/** Orders strings by Unicode code point, as the reference writer (Rust, UTF-8 bytes) does. */
function compareCodePoints(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0) as number);
  const y = Array.from(b, (c) => c.codePointAt(0) as number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

function isFloat32Array(data: unknown): data is Float32Array {
  return Object.prototype.toString.call(data) === '[object Float32Array]';
}

const WRITE_DTYPES: readonly SafetensorsDtype[] = ['F32', ...(Object.keys(WRITE_RANGES) as SafetensorsDtype[])];

/** Stores `count` numbers of `data` at `position` of `view` as `dtype`, little-endian; already range-checked. */
function storeValues(
  view: DataView,
  position: number,
  dtype: SafetensorsWriteDtype,
  data: ArrayLike<number>,
  count: number,
): void {
  const size = DTYPE_SIZES[dtype];
  for (let i = 0, at = position; i < count; i++, at += size) {
    const v = data[i];
    switch (dtype) {
      case 'F32':
        view.setFloat32(at, v, true);
        break;
      case 'I8':
        view.setInt8(at, v);
        break;
      case 'U8':
      case 'BOOL':
        view.setUint8(at, v);
        break;
      case 'I16':
        view.setInt16(at, v, true);
        break;
      case 'U16':
        view.setUint16(at, v, true);
        break;
      case 'I32':
        view.setInt32(at, v, true);
        break;
      case 'U32':
        view.setUint32(at, v, true);
        break;
      case 'I64':
        view.setBigInt64(at, BigInt(v), true);
        break;
      case 'U64':
        view.setBigUint64(at, BigInt(v), true);
        break;
    }
  }
}

/**
 * Writes tensors as a safetensors file, in the reference writer's layout: tensors ordered by dtype
 * (8-byte types first, so that every tensor's data stays aligned) and then by name in code point
 * order, in the header and in the data; `__metadata__` (its keys sorted) first and only when
 * given; the header padded with spaces so that the data starts at a multiple of 8. A tensor is F32
 * unless its `dtype` says otherwise: numbers that are not float32 are rounded to nearest, and
 * Float32Array data is copied bit for bit, so `readSafetensors(writeSafetensors(t))` gives back
 * identical Float32Arrays. Integer dtypes and BOOL store their values exactly, so a file that
 * `readSafetensors` read, written back with the dtypes it reported, is the same bytes when the
 * reference writer made it.
 *
 * @param tensors - name to shape, row-major values (`data.length` must be the shape's product) and
 *   optional dtype (`'F32'`, an integer dtype such as `'I64'`, or `'BOOL'`)
 * @param metadata - optional strings stored under `__metadata__`, e.g. `{ format: 'pt' }`
 * @returns the file's bytes
 * @throws SafetensorsError for a shape that does not match the data, a shape with negative or
 *   fractional dims, a dtype it does not write, a value outside the dtype's range, a tensor named
 *   `__metadata__`, or metadata values that are not strings
 *
 * @example
 * ```ts
 * const bytes = writeSafetensors(
 *   {
 *     weight_ih_l0: { shape: [8, 2], data: await w.data() },
 *     num_batches_tracked: { shape: [], data: [1200], dtype: 'I64' },
 *   },
 *   { format: 'pt' },
 * );
 * fs.writeFileSync('model.safetensors', bytes); // torch: safetensors.torch.load_file('model.safetensors')
 * ```
 */
export function writeSafetensors(
  tensors: Record<string, SafetensorsInput>,
  metadata?: Record<string, string>,
): Uint8Array {
  if (!isObject(tensors)) fail(`cannot write: expected an object of tensors by name, got ${describeJSON(tensors)}`);
  // Sorted by name first, so that the first bad tensor reported is the same whatever the key order.
  const names = Object.keys(tensors).sort(compareCodePoints);
  const entries = names.map((name) => {
    const where = `cannot write tensor ${quote(name)}`;
    if (name === METADATA_KEY) fail(`${where}: the name is reserved for the metadata`);
    const tensor: unknown = tensors[name];
    if (!isObject(tensor)) fail(`${where}: expected { shape, data, dtype? }, got ${describeJSON(tensor)}`);
    const { shape, data, dtype = 'F32' } = tensor as Partial<SafetensorsInput>;
    if (!Array.isArray(shape) || !shape.every(isDim)) {
      fail(`${where}: shape must be an array of non-negative integers, got ${describeJSON(shape)}`);
    }
    if (typeof dtype !== 'string' || !WRITE_DTYPES.includes(dtype as SafetensorsDtype)) {
      fail(`${where}: dtype must be one of ${WRITE_DTYPES.join(', ')}, got ${describeJSON(dtype)}`);
    }
    if (typeof data !== 'object' || data === null || typeof data.length !== 'number') {
      fail(`${where}: data must be a typed array or an array of numbers, got ${describeJSON(data)}`);
    }
    const count = product(shape);
    if (data.length !== count) {
      fail(`${where}: shape ${shapeText(shape)} has ${count} elements but data has ${data.length}`);
    }
    if (!ArrayBuffer.isView(data)) {
      for (let i = 0; i < count; i++) {
        if (typeof data[i] !== 'number') fail(`${where}: data[${i}] must be a number, got ${describeJSON(data[i])}`);
      }
    }
    if (dtype !== 'F32') {
      const [min, max] = WRITE_RANGES[dtype];
      for (let i = 0; i < count; i++) {
        const v = data[i];
        if (!Number.isInteger(v) || v < min || v > max) {
          fail(`${where}: data[${i}] is ${describeJSON(v)}, but ${dtype} holds the integers ${min} to ${max}`);
        }
      }
    }
    return { name, shape: shape.slice(), data, dtype, count, size: count * DTYPE_SIZES[dtype] };
  });
  // The reference writer's order: dtypes in decreasing alignment, then names (a stable sort keeps them sorted).
  entries.sort((a, b) => REFERENCE_ORDER.indexOf(b.dtype) - REFERENCE_ORDER.indexOf(a.dtype));

  const parts: string[] = [];
  if (metadata !== undefined) {
    if (!isObject(metadata))
      fail(`cannot write metadata: expected an object of strings, got ${describeJSON(metadata)}`);
    const fields = Object.keys(metadata)
      .sort(compareCodePoints)
      .map((key) => {
        const v: unknown = metadata[key];
        if (typeof v !== 'string')
          fail(`cannot write metadata: ${quote(key)} must be a string, got ${describeJSON(v)}`);
        return `${quote(key)}:${quote(v)}`;
      });
    parts.push(`${quote(METADATA_KEY)}:{${fields.join(',')}}`);
  }
  let offset = 0;
  for (const { name, shape, dtype, size } of entries) {
    // Built field by field: an object would put integer-like names ("0") first.
    const info = { dtype, shape, data_offsets: [offset, offset + size] };
    parts.push(`${quote(name)}:${JSON.stringify(info)}`);
    offset += size;
  }
  // JSON.stringify escapes lone surrogates, so the header is always well-formed UTF-8.
  const header = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerSize = header.length + ((8 - (header.length % 8)) % 8);

  const out = new Uint8Array(8 + headerSize + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerSize % 2 ** 32, true);
  view.setUint32(4, Math.floor(headerSize / 2 ** 32), true);
  out.set(header, 8);
  out.fill(0x20, 8 + header.length, 8 + headerSize);
  let position = 8 + headerSize;
  for (const { data, dtype, count, size } of entries) {
    if (LITTLE_ENDIAN && dtype === 'F32' && isFloat32Array(data)) {
      out.set(new Uint8Array(data.buffer, data.byteOffset, size), position);
    } else {
      storeValues(view, position, dtype, data, count);
    }
    position += size;
  }
  return out;
}
