import type { WorkKind } from '../../../../shared/catalog/schema';

export const KIND_LABEL: Record<WorkKind, string> = {
  text: 'Text',
  caption: 'Alchemy: caption',
  interrogation: 'Alchemy: interrogation',
  nsfw: 'Alchemy: NSFW check',
  strip_background: 'Alchemy: strip background',
  upscale: 'Alchemy: upscale',
  image: 'Images',
};

export const HORDE_LABEL = {
  embedded: 'your embedded horde',
  public: 'the public AI Horde',
  custom: 'this horde',
} as const;
