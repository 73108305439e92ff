// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { alchemyFormKudos } from '../../../../shared/kudos/pricing';
import { formatKudos } from '../../format';
import { renderWithBridge } from '../../test/render';
import { AlchemyForm } from './AlchemyForm';
import { fromKudos } from '../../../../shared/ledger/money';
import { milliFromHorde } from '../../../../shared/bridge/kudos';

afterEach(cleanup);

const png = () => new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], 'cat.png', { type: 'image/png' });

describe('alchemy form', () => {
  it('sends the picked image with the chosen forms and shows text and image results', async () => {
    const { bridge } = renderWithBridge(<AlchemyForm />, {
      'alchemy:submit': () => ({ id: 'a-1', kudos: fromKudos(2), warnings: [] }),
      'alchemy:status': ({ id }) => ({
        id,
        state: 'done',
        forms: [
          { form: 'caption', state: 'done', text: { caption: 'a small cat' } },
          { form: 'strip_background', state: 'done', image: 'data:image/png;base64,AAAA' },
        ],
      }),
    });
    const form = screen.getByRole('form', { name: 'Alchemy' });
    expect(within(form).getByRole('button', { name: 'Run alchemy' })).toHaveProperty('disabled', true);
    fireEvent.change(within(form).getByLabelText(/^Image/), { target: { files: [png()] } });
    await within(form).findByRole('img', { name: 'Chosen image cat.png' });
    fireEvent.click(within(form).getByRole('switch', { name: 'Strip background' }));
    const expected = alchemyFormKudos('caption') + alchemyFormKudos('strip_background', 1);
    expect(form.textContent).toContain(`Price: about ${formatKudos(milliFromHorde(expected))} kudos`);

    fireEvent.click(within(form).getByRole('button', { name: 'Run alchemy' }));
    await waitFor(() => expect(form.textContent).toContain('a small cat'));
    expect(within(form).getByRole('img', { name: 'Result of Strip background' })).toBeTruthy();
    const sent = bridge.callsTo('alchemy:submit')[0];
    expect(sent?.forms).toEqual(['caption', 'strip_background']);
    expect(sent?.sourceImage.startsWith('data:image/png;base64,')).toBe(true);
  });

  it('shows interrogation as tags with scores, NSFW as a verdict, and images with a download link', async () => {
    renderWithBridge(<AlchemyForm />, {
      'alchemy:submit': () => ({ id: 'a-2', kudos: fromKudos(3), warnings: [] }),
      'alchemy:status': ({ id }) => ({
        id,
        state: 'done',
        forms: [
          {
            form: 'interrogation',
            state: 'done',
            tags: [
              { text: 'animal', confidence: 0.71 },
              { text: 'cat', confidence: 0.18 },
            ],
          },
          { form: 'nsfw', state: 'done', nsfw: false },
          { form: 'RealESRGAN_x2plus', state: 'done', image: 'data:image/webp;base64,AAAA' },
        ],
      }),
    });
    const form = screen.getByRole('form', { name: 'Alchemy' });
    fireEvent.change(within(form).getByLabelText(/^Image/), { target: { files: [png()] } });
    await within(form).findByRole('img', { name: 'Chosen image cat.png' });
    fireEvent.click(within(form).getByRole('button', { name: 'Run alchemy' }));
    const tags = await within(form).findByRole('list', { name: 'Tags of Interrogation (tags)' });
    const items = within(tags).getAllByRole('listitem');
    expect(items.map((li) => li.textContent)).toEqual(['animal71%', 'cat18%']);
    expect(within(tags).getByRole('meter', { name: 'Score of animal' }).getAttribute('value')).toBe('0.71');
    expect(form.textContent).toContain('Safe for work: the check found no adult content');
    expect(form.textContent).not.toMatch(/\bfalse\b|\{/);
    const link = within(form).getByRole('link', { name: 'Download the upscale ×2 result' });
    expect(link.getAttribute('download')).toBe('RealESRGAN_x2plus.webp');
    expect(link.getAttribute('href')).toBe('data:image/webp;base64,AAAA');
  });

  it('refuses files that are not images', async () => {
    renderWithBridge(<AlchemyForm />);
    const form = screen.getByRole('form', { name: 'Alchemy' });
    fireEvent.change(within(form).getByLabelText(/^Image/), {
      target: { files: [new File(['hi'], 'notes.txt', { type: 'text/plain' })] },
    });
    expect((await within(form).findByRole('alert')).textContent).toContain('PNG, JPEG or WebP');
  });
});
