/** Which precision of a model's ONNX graphs to load, from the files it ships. */
import { readdir } from 'node:fs/promises';
import path from 'node:path';

export type OnnxDtype = 'fp32' | 'q8' | 'fp16' | 'int8' | 'uint8' | 'q4' | 'bnb4' | 'q4f16';

/** File name suffix transformers.js uses for each dtype; the order is our preference on CPU. */
const DTYPE_SUFFIX: [OnnxDtype, string][] = [
  ['fp32', ''],
  ['q8', '_quantized'],
  ['fp16', '_fp16'],
  ['int8', '_int8'],
  ['uint8', '_uint8'],
  ['q4', '_q4'],
  ['bnb4', '_bnb4'],
  ['q4f16', '_q4f16'],
];

/**
 * The precision to load: the first one (fp32 first) that every ONNX graph of the
 * model ships in. Hub exports often hold only quantized variants.
 */
export async function chooseDtype(modelPath: string): Promise<OnnxDtype> {
  const files = new Set(
    (await readdir(path.join(modelPath, 'onnx')).catch(() => [])).filter((f) => f.endsWith('.onnx')),
  );
  const suffixes = DTYPE_SUFFIX.map(([, suffix]) => suffix).filter(Boolean);
  const bases = new Set(
    [...files].map((f) => {
      const stem = f.slice(0, -'.onnx'.length);
      const suffix = suffixes.find((s) => stem.endsWith(s));
      return suffix ? stem.slice(0, -suffix.length) : stem;
    }),
  );
  for (const [dtype, suffix] of DTYPE_SUFFIX) {
    if ([...bases].every((base) => files.has(`${base}${suffix}.onnx`))) return dtype;
  }
  return 'fp32';
}
