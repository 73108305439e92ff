/** Which precision of a model's ONNX graphs to load, from the files it ships (the rule: shared/worker/dtype.ts). */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import {
  availableDtypes,
  pickDtype,
  type DtypeChoice,
  type DtypeDevice,
  type OnnxDtype,
} from '../../../shared/worker/dtype';

export type { DtypeChoice, OnnxDtype } from '../../../shared/worker/dtype';

/** The dtypes every ONNX graph of the model folder ships in. */
export async function modelDtypes(modelPath: string): Promise<OnnxDtype[]> {
  return availableDtypes(await readdir(path.join(modelPath, 'onnx')).catch(() => []));
}

/**
 * The precision to load. Without a device: full precision first, then the
 * first variant every graph ships in (hub exports often hold only quantized
 * ones) — for models whose outputs must not move. With a device: that
 * device's best variant (q8 or q4 on a CPU, q4f16 or fp16 on a GPU), or the
 * one `forced` names.
 */
export async function chooseDtype(
  modelPath: string,
  device?: DtypeDevice,
  forced: DtypeChoice = 'auto',
): Promise<OnnxDtype> {
  return pickDtype(await modelDtypes(modelPath), device ?? 'exact', forced);
}
