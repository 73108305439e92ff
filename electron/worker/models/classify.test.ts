import { describe, expect, it } from 'vitest';
import { classifyModel } from './classify';

describe('classifyModel', () => {
  it('reads causal LMs as text models', () => {
    expect(classifyModel({ model_type: 'llama', architectures: ['LlamaForCausalLM'] })).toMatchObject({
      kind: 'text',
      task: 'text-generation',
    });
    expect(classifyModel({ model_type: 'gpt2', architectures: ['GPT2LMHeadModel'] })).toMatchObject({
      kind: 'text',
    });
  });

  it('maps image models to the alchemy forms they serve', () => {
    expect(classifyModel({ model_type: 'vision-encoder-decoder' })?.forms).toEqual(['caption']);
    expect(classifyModel({ model_type: 'clip' })?.forms).toEqual(['interrogation']);
    expect(
      classifyModel({ architectures: ['ViTForImageClassification'], id2label: { 0: 'normal', 1: 'nsfw' } })
        ?.forms,
    ).toEqual(['nsfw']);
    expect(
      classifyModel({ model_type: 'swin2sr', architectures: ['Swin2SRForImageSuperResolution'] })?.forms,
    ).toEqual(['upscale']);
    expect(classifyModel({ model_type: 'segformer' }, 'briaai/RMBG-1.4')?.forms).toEqual([
      'strip_background',
    ]);
  });

  it('leaves out what it cannot serve', () => {
    expect(
      classifyModel({ architectures: ['ViTForImageClassification'], id2label: { 0: 'cat', 1: 'dog' } }),
    ).toBeNull();
    expect(classifyModel({ model_type: 'bert', architectures: ['BertModel'] })).toBeNull();
  });
});
