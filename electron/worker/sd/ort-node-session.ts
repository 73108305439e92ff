/**
 * onnxruntime-node sessions seen as the pipeline's ModelSession (plain tensors in and out).
 */
import * as ort from 'onnxruntime-node';
import {
  PipelineError,
  type ModelSession,
  type Tensor,
  type TensorType,
  type ValueInfo,
} from '../../../shared/diffusion/tensors';

const TYPES: readonly TensorType[] = ['float32', 'float16', 'int32', 'int64'];

export function valueInfo(meta: ort.InferenceSession.ValueMetadata, where: string): ValueInfo {
  if (!meta.isTensor) throw new PipelineError(`${where}: ${meta.name} is not a tensor`);
  const type = TYPES.find((t) => t === meta.type);
  if (!type) throw new PipelineError(`${where}: ${meta.name} has unsupported type ${meta.type}`);
  return { name: meta.name, type, dims: meta.shape.map((d) => (typeof d === 'number' ? d : String(d))) };
}

/**
 * An ort.Tensor the native binding can read. Where the runtime has Float16Array (Node 24),
 * onnxruntime-common re-wraps a float16 tensor's Uint16Array as a Float16Array, which
 * onnxruntime-node's binding reads as empty ("not enough space: expected N, got 0"); built as
 * uint16 and then typed float16, the binding gets the raw halves it expects.
 */
function nodeTensor(t: Tensor): ort.Tensor {
  if (t.type !== 'float16' || !(t.data instanceof Uint16Array))
    return new ort.Tensor(t.type, t.data, [...t.dims]);
  const half = new ort.Tensor('uint16', t.data, [...t.dims]);
  (half as { type: string }).type = 'float16';
  return half;
}

export interface NodeSessionOptions {
  /** Cap on intra-op threads (the settings' thread cap). */
  threads?: number;
  executionProviders?: string[];
}

export class OrtNodeSession implements ModelSession {
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  /**
   * The ort.Tensor made for each feed, kept while the feed lives: the pipeline passes the same
   * tensors (their buffers rewritten in place) to every UNet call, and an ort.Tensor is only a view
   * of its typed array, so it is made once, not once per step.
   */
  private readonly wrapped = new WeakMap<Tensor, ort.Tensor>();

  private constructor(
    private readonly session: ort.InferenceSession,
    where: string,
  ) {
    this.inputs = session.inputMetadata.map((m) => valueInfo(m, where));
    this.outputs = session.outputMetadata.map((m) => valueInfo(m, where));
  }

  static async load(file: string, options: NodeSessionOptions = {}): Promise<OrtNodeSession> {
    const threads = options.threads && options.threads > 0 ? Math.floor(options.threads) : undefined;
    const session = await ort.InferenceSession.create(file, {
      executionProviders: options.executionProviders ?? ['cpu'],
      graphOptimizationLevel: 'all',
      ...(threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
      // Four sessions share the cores and run one after another: a pool left spinning after its
      // run would steal time from the next session's.
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
    return new OrtNodeSession(session, file);
  }

  async run(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    const input: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) {
      let w = this.wrapped.get(t);
      if (!w) this.wrapped.set(t, (w = nodeTensor(t)));
      input[name] = w;
    }
    const out = await this.session.run(input);
    const result: Record<string, Tensor> = {};
    for (const [name, value] of Object.entries(out)) {
      const type = TYPES.find((t) => t === value.type);
      if (!type) throw new PipelineError(`output ${name} has unsupported type ${value.type}`);
      result[name] = { type, dims: value.dims, data: value.data as Tensor['data'] };
    }
    return result;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
