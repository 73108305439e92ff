// @vitest-environment jsdom
import { cleanup, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImageJobView } from '../../../../shared/bridge/images';
import { renderWithBridge } from '../../test/render';
import { ImageProgress } from './ImageProgress';
import { fromKudos } from '../../../../shared/ledger/money';

afterEach(cleanup);

const job = (over: Partial<ImageJobView> = {}): ImageJobView => ({
  id: 'img-1',
  state: 'processing',
  n: 1,
  finished: 0,
  waiting: 0,
  processing: 1,
  restarted: 0,
  queuePosition: 0,
  waitTime: 30,
  isPossible: true,
  kudos: fromKudos(0),
  images: [],
  settled: false,
  ...over,
});

describe('image progress', () => {
  it('shows the sampler step of the in-app worker for this request only', async () => {
    const { stores, bridge } = renderWithBridge(<ImageProgress />, {
      'images:submit': () => ({ id: 'img-1', kudos: fromKudos(3), warnings: [] }),
      'images:status': () => job(),
    });
    const stop = stores.images.getState().start();
    try {
      await stores.images.getState().submit({ prompt: 'a lighthouse', models: ['tiny-sd'] } as never);
      bridge.emit('request:progress', {
        id: 'someone-else',
        kind: 'image',
        done: 9,
        total: 10,
        unit: 'steps',
      });
      bridge.emit('request:progress', { id: 'img-1', kind: 'image', done: 3, total: 20, unit: 'steps' });
      await waitFor(() =>
        expect(screen.getByLabelText('Sampler steps').textContent).toBe(
          'Step 3 of 20 on this computer’s worker',
        ),
      );
      expect(screen.getByRole('progressbar', { name: 'Steps of the image being made' })).toHaveProperty(
        'value',
        0.15,
      );
    } finally {
      stop();
    }
  });
});
