/**
 * Hugging Face's safetensors format, read and written on bytes, without tfjs.
 *
 * A file is: 8 bytes, the header size N as a little-endian unsigned 64-bit integer; N bytes of
 * UTF-8 JSON mapping each tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}` (and
 * an optional `"__metadata__"` object of strings), padded with spaces; then the data buffer, each
 * tensor's elements little-endian in row-major order at `[begin, end)` of the buffer. The
 * tensors cover the buffer exactly: no holes, no overlaps, no trailing bytes.
 */

/** The element types of the format. */
export type SafetensorsDtype =
  | 'F64'
  | 'F32'
  | 'F16'
  | 'BF16'
  | 'F8_E4M3'
  | 'F8_E5M2'
  | 'I64'
  | 'I32'
  | 'I16'
  | 'I8'
  | 'U64'
  | 'U32'
  | 'U16'
  | 'U8'
  | 'BOOL';

/** A tensor read from a file: its dtype in the file, its shape, and its values as float32. */
export interface SafetensorsEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  /** The values in row-major order, converted to float32; a copy, never a view of the input. */
  data: Float32Array;
}

/** A parsed file: tensors by name, in the order of their data, and the `__metadata__` strings. */
export interface SafetensorsFile {
  tensors: Record<string, SafetensorsEntry>;
  metadata: Record<string, string>;
}

/** A tensor to write: its shape and its values in row-major order. */
export interface SafetensorsInput {
  shape: readonly number[];
  data: Float32Array | ArrayLike<number>;
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

const FLOAT_DTYPES: readonly SafetensorsDtype[] = ['F64', 'F32', 'F16', 'BF16', 'F8_E4M3', 'F8_E5M2'];

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

/** A short description of a JSON value for error messages. */
function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  const kind = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = String(v);
  }
  if (text.length > 60) text = `${text.slice(0, 57)}...`;
  return kind === 'null' || kind === 'string' || kind === 'number' || kind === 'boolean' ? text : `${kind} ${text}`;
}

const quote = (name: string): string => JSON.stringify(name);
const shapeText = (shape: readonly number[]): string => `[${shape.join(', ')}]`;
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
    fail(`${where}: expected an object with dtype, shape and data_offsets, got ${describe(value)}`);
  }
  for (const key of ['dtype', 'shape', 'data_offsets']) {
    if (!has(value, key)) fail(`${where}: missing "${key}" (has ${describe(Object.keys(value))})`);
  }
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string') fail(`${where}: "dtype" must be a string, got ${describe(dtype)}`);
  if (!has(DTYPE_SIZES, dtype)) {
    fail(`${where}: unknown dtype ${quote(dtype)} (expected one of ${Object.keys(DTYPE_SIZES).join(', ')})`);
  }
  if (!Array.isArray(shape) || !shape.every(isDim)) {
    fail(`${where}: "shape" must be an array of non-negative integers, got ${describe(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isDim)) {
    fail(`${where}: "data_offsets" must be [begin, end], two non-negative integers, got ${describe(offsets)}`);
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
  if (!isObject(value)) fail(`"${METADATA_KEY}" must be an object of strings, got ${describe(value)}`);
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') {
      fail(`"${METADATA_KEY}" must be an object of strings, but ${quote(key)} is ${describe(v)}`);
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

/** A tensor's bytes (little-endian) as a new Float32Array. */
function toFloat32(info: TensorInfo, bytes: Uint8Array): Float32Array {
  const count = product(info.shape);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  const bits = new Uint32Array(out.buffer);
  switch (info.dtype) {
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
    default:
      return unsupported(info);
  }
}

function unsupported(info: TensorInfo): never {
  return fail(
    `tensor ${quote(info.name)} has dtype ${info.dtype}: only floating-point tensors ` +
      `(${FLOAT_DTYPES.join(', ')}) are supported`,
  );
}

function asBytes(input: Uint8Array | ArrayBuffer): Uint8Array {
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const tag = Object.prototype.toString.call(input);
  if (tag === '[object ArrayBuffer]' || tag === '[object SharedArrayBuffer]') return new Uint8Array(input);
  return fail(`expected the file's bytes as a Uint8Array or ArrayBuffer, got ${describe(input)}`);
}

/**
 * Parses a safetensors file. Floating-point tensors (F32, F16, BF16, F64, and the FP8 types
 * F8_E4M3, F8_E5M2) are converted to new Float32Arrays: exactly, except F64 which is rounded to
 * nearest float32 (overflowing to ±Infinity). A file holding any other dtype is rejected, as is
 * any file the reference implementation would reject (see {@link SafetensorsError}).
 *
 * @param bytes - the whole file, e.g. from `fs.readFileSync` or `await (await fetch(url)).arrayBuffer()`
 * @returns the tensors by name (in the order of their data) and the `__metadata__` strings
 * @throws SafetensorsError naming what is wrong, e.g. `safetensors: header size 1234 exceeds the file`
 *
 * @example
 * ```ts
 * const { tensors, metadata } = readSafetensors(fs.readFileSync('lstm.safetensors'));
 * const w = tensors['weight_ih_l0']; // { dtype: 'F32', shape: [64, 16], data: Float32Array(1024) }
 * const weight = tf.tensor(w.data, w.shape);
 * ```
 */
export function readSafetensors(bytes: Uint8Array | ArrayBuffer): SafetensorsFile {
  const file = asBytes(bytes);
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
    return fail(`header is not valid JSON (${(e as Error).message}): ${shown}`);
  }
  if (!isObject(header)) fail(`header must be a JSON object, got ${describe(header)}`);

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
  for (const info of infos) if (!FLOAT_DTYPES.includes(info.dtype)) unsupported(info);
  const tensors = infos.map((info): [string, SafetensorsEntry] => [
    info.name,
    {
      dtype: info.dtype,
      shape: info.shape,
      data: toFloat32(info, file.subarray(bufferStart + info.begin, bufferStart + info.end)),
    },
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

/**
 * Writes float32 tensors as a safetensors file, in the reference writer's layout: every tensor F32,
 * names in code point order in the header and in the data, `__metadata__` (its keys sorted) first
 * and only when given, the header padded with spaces so that the data starts at a multiple of 8.
 * Numbers that are not float32 are rounded to nearest; Float32Array data is copied bit for bit, so
 * `readSafetensors(writeSafetensors(t))` gives back identical Float32Arrays.
 *
 * @param tensors - name to shape and row-major values (`data.length` must be the shape's product)
 * @param metadata - optional strings stored under `__metadata__`, e.g. `{ format: 'pt' }`
 * @returns the file's bytes
 * @throws SafetensorsError for a shape that does not match the data, a shape with negative or
 *   fractional dims, a tensor named `__metadata__`, or metadata values that are not strings
 *
 * @example
 * ```ts
 * const bytes = writeSafetensors(
 *   { weight_ih_l0: { shape: [8, 2], data: await w.data() }, bias_ih_l0: { shape: [8], data: b } },
 *   { format: 'pt' },
 * );
 * fs.writeFileSync('lstm.safetensors', bytes); // torch: safetensors.torch.load_file('lstm.safetensors')
 * ```
 */
export function writeSafetensors(
  tensors: Record<string, SafetensorsInput>,
  metadata?: Record<string, string>,
): Uint8Array {
  if (!isObject(tensors)) fail(`cannot write: expected an object of tensors by name, got ${describe(tensors)}`);
  const entries = Object.keys(tensors)
    .sort(compareCodePoints)
    .map((name) => {
      const where = `cannot write tensor ${quote(name)}`;
      if (name === METADATA_KEY) fail(`${where}: the name is reserved for the metadata`);
      const tensor: unknown = tensors[name];
      if (!isObject(tensor)) fail(`${where}: expected { shape, data }, got ${describe(tensor)}`);
      const { shape, data } = tensor as Partial<SafetensorsInput>;
      if (!Array.isArray(shape) || !shape.every(isDim)) {
        fail(`${where}: shape must be an array of non-negative integers, got ${describe(shape)}`);
      }
      if (typeof data !== 'object' || data === null || typeof data.length !== 'number') {
        fail(`${where}: data must be a Float32Array or an array of numbers, got ${describe(data)}`);
      }
      const count = product(shape);
      if (data.length !== count) {
        fail(`${where}: shape ${shapeText(shape)} has ${count} elements but data has ${data.length}`);
      }
      if (!ArrayBuffer.isView(data)) {
        for (let i = 0; i < count; i++) {
          if (typeof data[i] !== 'number') fail(`${where}: data[${i}] must be a number, got ${describe(data[i])}`);
        }
      }
      return { name, shape: shape.slice(), data, count };
    });

  const parts: string[] = [];
  if (metadata !== undefined) {
    if (!isObject(metadata)) fail(`cannot write metadata: expected an object of strings, got ${describe(metadata)}`);
    const fields = Object.keys(metadata)
      .sort(compareCodePoints)
      .map((key) => {
        const v: unknown = metadata[key];
        if (typeof v !== 'string') fail(`cannot write metadata: ${quote(key)} must be a string, got ${describe(v)}`);
        return `${quote(key)}:${quote(v)}`;
      });
    parts.push(`${quote(METADATA_KEY)}:{${fields.join(',')}}`);
  }
  let offset = 0;
  for (const { name, shape, count } of entries) {
    // Built field by field: an object would put integer-like names ("0") first.
    const info = { dtype: 'F32', shape, data_offsets: [offset, offset + 4 * count] };
    parts.push(`${quote(name)}:${JSON.stringify(info)}`);
    offset += 4 * count;
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
  for (const { data, count } of entries) {
    if (LITTLE_ENDIAN && isFloat32Array(data)) {
      out.set(new Uint8Array(data.buffer, data.byteOffset, 4 * count), position);
    } else {
      for (let i = 0; i < count; i++) view.setFloat32(position + 4 * i, data[i], true);
    }
    position += 4 * count;
  }
  return out;
}
