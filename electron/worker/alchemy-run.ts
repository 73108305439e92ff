/**
 * Running one alchemy form: fetch the source image the horde points to, run
 * the engine, and for image results PUT the image to the upload URL the pop
 * gave, as the AI Horde's alchemists do. Returns the submit's `result`.
 */
import type { InterrogationPopForm } from '../../shared/api/interrogate';
import type { HordeClient } from '../client/horde-client';
import { engineFormFor, imageResultBody, inlineImageBytes, isImageForm, textResultBody } from './alchemy-job';
import type { AlchemyEngine, AlchemyImage } from './engines/types';

export interface ImageCodec {
  decodeImage(bytes: Uint8Array): Promise<AlchemyImage>;
  encodePng(image: AlchemyImage): Uint8Array;
}

export async function runAlchemyForm(
  deps: { api: HordeClient; engine: AlchemyEngine; codec: () => Promise<ImageCodec> },
  form: InterrogationPopForm,
  signal: AbortSignal,
): Promise<Record<string, unknown>> {
  const engineForm = engineFormFor(form.form);
  if (!engineForm || !deps.engine.forms.includes(engineForm))
    throw new Error(`this worker cannot serve ${form.form}`);
  const codec = await deps.codec();
  const bytes = inlineImageBytes(form.source_image) ?? (await deps.api.download(form.source_image, signal));
  const image = await codec.decodeImage(bytes);
  signal.throwIfAborted();
  const result = await deps.engine.run(engineForm, image, signal);
  if (result.kind === 'image') {
    if (!form.r2_upload) throw new Error(`the horde gave no upload URL for the ${form.form} image`);
    await deps.api.upload(form.r2_upload, codec.encodePng(result.image), 'image/png');
    return imageResultBody(form.form);
  }
  return isImageForm(form.form) ? imageResultBody(form.form) : textResultBody(result);
}
