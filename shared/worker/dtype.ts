/**
 * Which precision of a text model's ONNX graphs to load, from the file names
 * its folder holds: transformers.js' dtype variants as the hub ships them
 * (`model.onnx` fp32, `model_quantized.onnx` q8, `model_int8.onnx`,
 * `model_uint8.onnx`, `model_q4.onnx`, `model_bnb4.onnx`, `model_fp16.onnx`,
 * `model_q4f16.onnx`). Pure: the page bundle and the Node side both use it.
 */

export const ONNX_DTYPES = ['fp32', 'q8', 'int8', 'uint8', 'q4', 'bnb4', 'fp16', 'q4f16'] as const;
export type OnnxDtype = (typeof ONNX_DTYPES)[number];
/** The setting: `auto` picks by device, a dtype forces that variant. */
export type DtypeChoice = 'auto' | OnnxDtype;
export type DtypeDevice = 'cpu' | 'cuda' | 'dml' | 'wasm' | 'webgpu';

export const DTYPE_SUFFIX: Record<OnnxDtype, string> = {
  fp32: '',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  bnb4: '_bnb4',
  fp16: '_fp16',
  q4f16: '_q4f16',
};

/**
 * Best first, per device. A CPU (and WASM) reads 8- or 4-bit weights with
 * integer kernels (MatMulInteger, MatMulNBits) and is bound by memory
 * bandwidth: a quarter of the bytes per token is the speed-up, so q8 comes
 * first, then q4; fp16 has few fast CPU kernels. A GPU runs half precision
 * natively, and ONNX Runtime's WebGPU backend has MatMulNBits but no
 * MatMulInteger, so q4f16 and fp16 come first there and q8 last.
 */
const PREFERENCE: Record<'cpu' | 'gpu', readonly OnnxDtype[]> = {
  cpu: ['q8', 'int8', 'uint8', 'q4', 'fp32', 'bnb4', 'fp16', 'q4f16'],
  gpu: ['q4f16', 'fp16', 'q4', 'fp32', 'bnb4', 'q8', 'int8', 'uint8'],
};

/** The exact order (full precision first), for models whose outputs must not move (alchemy). */
const EXACT: readonly OnnxDtype[] = ['fp32', 'q8', 'fp16', 'int8', 'uint8', 'q4', 'bnb4', 'q4f16'];

/** The dtypes every graph of the model ships in, from the `onnx/` folder's file names. */
export function availableDtypes(fileNames: readonly string[]): OnnxDtype[] {
  const files = new Set(fileNames.filter((f) => f.endsWith('.onnx')));
  const suffixes = Object.values(DTYPE_SUFFIX).filter(Boolean);
  const bases = new Set(
    [...files].map((f) => {
      const stem = f.slice(0, -'.onnx'.length);
      const suffix = suffixes.find((s) => stem.endsWith(s));
      return suffix ? stem.slice(0, -suffix.length) : stem;
    }),
  );
  if (bases.size === 0) return [];
  return ONNX_DTYPES.filter((d) => [...bases].every((b) => files.has(`${b}${DTYPE_SUFFIX[d]}.onnx`)));
}

/**
 * The dtype to load: the forced one (an error naming what the folder has when
 * it lacks it), else the device's best that the folder has; fp32 when the
 * folder names none (transformers.js then reports the missing file).
 */
export function pickDtype(
  available: readonly OnnxDtype[],
  device: DtypeDevice | 'exact',
  forced: DtypeChoice = 'auto',
): OnnxDtype {
  if (forced !== 'auto') {
    if (available.includes(forced)) return forced;
    throw new Error(
      `The model has no ${forced} variant (model${DTYPE_SUFFIX[forced]}.onnx); it ships ${
        available.length > 0 ? available.join(', ') : 'no complete variant'
      }. Choose "auto" or one of those in Settings.`,
    );
  }
  const order =
    device === 'exact'
      ? EXACT
      : PREFERENCE[device === 'webgpu' || device === 'cuda' || device === 'dml' ? 'gpu' : 'cpu'];
  return order.find((d) => available.includes(d)) ?? 'fp32';
}
