/**
 * Freeing a tensor's memory at once rather than at V8's next collection, for the text engine's
 * two paths (generation.ts around transformers.js' generate, decode-loop.ts on its own): ONNX
 * Runtime hands every step's outputs back in new ArrayBuffers, and marking the heap for them takes
 * a core from ONNX Runtime's pool (README, Performance). Runtime-neutral: no imports.
 */

/** The ArrayBuffer behind a tensor in CPU memory (a transformers.js or an ONNX Runtime one), else undefined. */
export function cpuBuffer(tensor: unknown): ArrayBuffer | undefined {
  const t = tensor as { location?: unknown; data?: unknown } | null | undefined;
  if (!t || t.location !== 'cpu' || !ArrayBuffer.isView(t.data)) return undefined;
  return t.data.buffer instanceof ArrayBuffer ? t.data.buffer : undefined;
}

/**
 * Detaches `buffer` (`ArrayBuffer.prototype.transfer(0)`), freeing its memory; one that cannot be
 * (a browser before Chromium 114, a non-detachable buffer) is left to the GC. An empty one is left
 * as it is: it may be fed again (the decode loop makes the prompt pass's empty cache once a session).
 */
export function free(buffer: ArrayBufferLike | undefined): void {
  const b = buffer as ArrayBuffer | undefined;
  if (!b || b.byteLength === 0 || typeof b.transfer !== 'function') return;
  try {
    b.transfer(0);
  } catch {
    // Not detachable: the GC frees it.
  }
}
