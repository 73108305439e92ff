// Plain tensors and model sessions as the SD pipeline sees them, independent of the ONNX Runtime
// flavour (onnxruntime-node in Node, onnxruntime-web in a window); engines adapt their sessions.

export type TensorType = 'float32' | 'float16' | 'int32' | 'int64';

export type TensorArray = Float32Array | Uint16Array | Int32Array | BigInt64Array;

export interface Tensor {
  type: TensorType;
  dims: readonly number[];
  data: TensorArray;
}

export interface ValueInfo {
  name: string;
  type: TensorType;
  /** Declared dims; strings are symbolic. Empty for a scalar. */
  dims: readonly (number | string)[];
}

export interface ModelSession {
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  run(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>>;
}

export class PipelineError extends Error {
  override name = 'PipelineError';
}

/** The input or output called `name`, else the only one; a clear error otherwise. */
export function pick(values: readonly ValueInfo[], name: string, what: string): ValueInfo {
  const found = values.find((v) => v.name === name) ?? (values.length === 1 ? values[0] : undefined);
  if (!found)
    throw new PipelineError(`${what}: no "${name}" among ${values.map((v) => v.name).join(', ') || 'none'}`);
  return found;
}

// IEEE 754 half precision, round to nearest even.
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function toHalf(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let r = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && r & 1)) r += 1;
    return sign | r;
  }
  let r = mant >>> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && r & 1)) {
    r += 1;
    if (r === 0x400) {
      r = 0;
      e += 1;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | r;
}

export function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** A float tensor in the type a session input wants. */
export function floatTensor(type: TensorType, dims: readonly number[], values: Float32Array): Tensor {
  if (type === 'float32') return { type, dims, data: values };
  if (type === 'float16') return { type, dims, data: Uint16Array.from(values, toHalf) };
  throw new PipelineError(`expected a float input, the model wants ${type}`);
}

/** A float input tensor of `length` values in the type a session input wants, to fill with writeFloats. */
export function floatTensorBuffer(type: TensorType, dims: readonly number[], length: number): Tensor {
  if (type === 'float32') return { type, dims, data: new Float32Array(length) };
  if (type === 'float16') return { type, dims, data: new Uint16Array(length) };
  throw new PipelineError(`expected a float input, the model wants ${type}`);
}

/** Writes float32 values into a float tensor from floatTensorBuffer (rounded to half for float16). */
export function writeFloats(t: Tensor, values: Float32Array): void {
  const d = t.data;
  if (d instanceof Float32Array) d.set(values);
  else if (d instanceof Uint16Array) for (let i = 0; i < values.length; i += 1) d[i] = toHalf(values[i]!);
  else throw new PipelineError(`expected a float tensor, got ${t.type}`);
}

/**
 * A float output as float32 values: float32 data as it is (no copy), anything else converted into
 * `into` (reused across calls) when it has the length, else into a new array.
 */
export function readFloats(t: Tensor, into: Float32Array): Float32Array {
  const d = t.data;
  if (d instanceof Float32Array) return d;
  const out = into.length === d.length ? into : new Float32Array(d.length);
  if (d instanceof Uint16Array) for (let i = 0; i < d.length; i += 1) out[i] = fromHalf(d[i]!);
  else if (d instanceof BigInt64Array) for (let i = 0; i < d.length; i += 1) out[i] = Number(d[i]!);
  else out.set(d);
  return out;
}

/** Any numeric tensor as float32 values. */
export function toFloat32(t: Tensor): Float32Array {
  const d = t.data;
  if (d instanceof Float32Array) return d;
  if (d instanceof Uint16Array) return Float32Array.from(d, fromHalf);
  if (d instanceof Int32Array) return Float32Array.from(d);
  return Float32Array.from(d, (v) => Number(v));
}

export function intTensor(type: TensorType, dims: readonly number[], values: ArrayLike<number>): Tensor {
  if (type === 'int32') return { type, dims, data: Int32Array.from(values) };
  if (type === 'int64')
    return { type, dims, data: BigInt64Array.from(Array.from(values), (v) => BigInt(Math.trunc(v))) };
  throw new PipelineError(`expected an integer input, the model wants ${type}`);
}
