// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { RequestPrice } from '../../../../shared/bridge/contract';
import { requestKudos } from '../../../../shared/kudos/pricing';
import { formatDuration, formatKudos } from '../../format';
import * as fx from '../../test/fixtures';
import { renderWithBridge } from '../../test/render';
import { describeQueue } from './jobStatus';
import { RequestScreen } from './RequestScreen';
import { TextRequestForm } from './TextRequestForm';
import { asMilli, fromKudos } from '../../../../shared/ledger/money';
import { milliFromHorde } from '../../../../shared/bridge/kudos';

afterEach(cleanup);

// The horde's price as the bridge carries it: milli-kudos.
const priceOf = (maxLength: number, maxContext: number, model = 'tiny-gpt2') =>
  milliFromHorde(
    requestKudos({ models: [model], params: { max_length: maxLength, max_context_length: maxContext } }),
  );
const quoteOf = (r: Parameters<typeof requestKudos>[0]) => milliFromHorde(requestKudos(r));

describe('price display', () => {
  it('shows the estimate from shared pricing, then the horde quote with balance and what remains', async () => {
    const available = fx.account().available;
    renderWithBridge(<TextRequestForm />);
    // The default model becomes the one a worker serves once the horde's list arrives.
    await waitFor(() => expect(screen.getByLabelText('Model')).toHaveProperty('value', 'tiny-gpt2'));
    fireEvent.change(screen.getByLabelText('Max length (tokens)'), { target: { value: '120' } });
    expect(screen.getByLabelText('Price').textContent).toContain(formatKudos(priceOf(120, 1024)));
    expect(screen.getByLabelText('Price').textContent).toContain('estimate');

    fireEvent.change(screen.getByLabelText('Prompt'), { target: { value: 'Tell me a story' } });
    await waitFor(() => expect(screen.getByLabelText('Price').textContent).not.toContain('estimate'));
    expect(screen.getByLabelText('Price').textContent).toBe(`${formatKudos(priceOf(120, 1024))} kudos`);
    await waitFor(() =>
      expect(screen.getByLabelText('Available').textContent).toBe(`${formatKudos(available)} kudos`),
    );
    expect(screen.getByLabelText('Left after this request').textContent).toBe(
      `${formatKudos(asMilli(available - priceOf(120, 1024)))} kudos`,
    );
  });

  it("shows the account's spendable kudos as they are now, not the quote's older snapshot", async () => {
    const now = fx.account().available;
    renderWithBridge(<TextRequestForm />, {
      'requests:price': (r): RequestPrice => ({
        kudos: quoteOf(r),
        available: asMilli(now - fromKudos(1)),
        after: asMilli(now - fromKudos(1) - quoteOf(r)),
        needsUpfront: false,
        upfront: { freeMaxLength: 512, required: fromKudos(0), short: fromKudos(0) },
        warnings: [],
      }),
    });
    await waitFor(() => expect(screen.getByLabelText('Model')).toHaveProperty('value', 'tiny-gpt2'));
    fireEvent.change(screen.getByLabelText('Prompt'), { target: { value: 'Hi' } });
    await waitFor(() => expect(screen.getByLabelText('Price').textContent).not.toContain('estimate'));
    await waitFor(() =>
      expect(screen.getByLabelText('Available').textContent).toBe(`${formatKudos(now)} kudos`),
    );
    expect(screen.getByLabelText('Left after this request').textContent).toBe(
      `${formatKudos(asMilli(now - priceOf(80, 1024)))} kudos`,
    );
  });

  it('re-prices as the context grows', async () => {
    const { bridge } = renderWithBridge(<TextRequestForm />);
    await waitFor(() => expect(screen.getByLabelText('Model')).toHaveProperty('value', 'tiny-gpt2'));
    fireEvent.change(screen.getByLabelText('Prompt'), { target: { value: 'Hi' } });
    fireEvent.change(screen.getByLabelText('Context (tokens)'), { target: { value: '4096' } });
    await waitFor(() =>
      expect(screen.getByLabelText('Price').textContent).toBe(`${formatKudos(priceOf(80, 4096))} kudos`),
    );
    expect(bridge.callsTo('requests:price').at(-1)?.params.max_context_length).toBe(4096);
  });

  it('explains upfront kudos before submit when the quote says so', async () => {
    renderWithBridge(<TextRequestForm />, {
      'requests:price': (r): RequestPrice => ({
        kudos: quoteOf(r),
        available: fromKudos(0),
        after: asMilli(-quoteOf(r)),
        needsUpfront: true,
        upfront: { freeMaxLength: 512, required: fromKudos(27.54), short: fromKudos(27.54) },
        warnings: [],
      }),
    });
    fireEvent.change(screen.getByLabelText('Prompt'), { target: { value: 'Hi' } });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('costs more kudos than you have available');
    // What is free now and how much more is needed, from the quote; context is not blamed.
    expect(alert.textContent).toContain('Up to 512 tokens is free right now');
    expect(alert.textContent).toContain('you need 27.54 more kudos for 80');
    expect(alert.textContent).toContain('Lower max length so it runs free');
    expect(alert.textContent).not.toMatch(/context/i);
    // Submit is disabled with the reason, so the refusal is not repeated.
    const submit = screen.getByRole('button', { name: 'Submit request' });
    expect(submit).toHaveProperty('disabled', true);
    expect(document.getElementById(submit.getAttribute('aria-describedby') ?? '')?.textContent).toMatch(
      /fits the free allowance or your kudos cover it/,
    );
  });

  it('says a small request runs on credit when it takes the balance below zero', async () => {
    renderWithBridge(<TextRequestForm />, {
      'account:get': () => ({ ...fx.account(), kudos: fromKudos(0), available: fromKudos(0) }),
      'requests:price': (r): RequestPrice => ({
        kudos: quoteOf(r),
        available: fromKudos(0),
        after: asMilli(-quoteOf(r)),
        needsUpfront: false,
        upfront: { freeMaxLength: 384, required: fromKudos(0), short: fromKudos(0) },
        warnings: [],
      }),
    });
    fireEvent.change(screen.getByLabelText('Prompt'), { target: { value: 'Hi' } });
    const note = await screen.findByRole('note', { name: 'About credit' });
    expect(note.textContent).toContain('Requests of up to 384 tokens run on credit');
    expect(screen.getByRole('button', { name: 'Submit request' })).toHaveProperty('disabled', false);
  });

  it('flags values the horde would refuse and does not submit them', async () => {
    const { bridge } = renderWithBridge(<TextRequestForm />);
    fireEvent.change(screen.getByLabelText('Prompt'), { target: { value: 'Hi' } });
    fireEvent.change(screen.getByLabelText('Temperature'), { target: { value: '9' } });
    expect(screen.getByRole('list', { name: 'Form problems' }).textContent).toMatch(
      /Temperature must be between 0 and 5/,
    );
    expect(screen.getByRole('button', { name: 'Submit request' })).toHaveProperty('disabled', true);
    fireEvent.submit(screen.getByRole('form', { name: 'Text request' }));
    expect(bridge.callsTo('requests:submitText')).toHaveLength(0);
  });
});

describe('queue and wait', () => {
  it('keeps queue position and estimated wait apart', () => {
    const v = describeQueue(fx.textStatus({ queuePosition: 4, waitTime: 130 }));
    expect(v).toMatchObject({ label: 'Waiting in the queue', position: 4, waitSeconds: 130, blocked: null });
  });

  it('says no worker can serve it instead of an endless wait', () => {
    const v = describeQueue(fx.textStatus({ isPossible: false }));
    expect(v.blocked?.title).toBe('No worker can serve this right now.');
    expect(v.waitSeconds).toBeNull();
  });

  it('shows both, labelled, after submit; then the result with a copy button', async () => {
    const status = fx.textStatus({ queuePosition: 2, waitTime: 95 });
    const { bridge, stores } = renderWithBridge(<RequestScreen />, {
      'requests:status': ({ id }) => ({ ...status, id }),
    });
    const stop = stores.requests.getState().start();
    await waitFor(() => expect(screen.getByLabelText('Model')).toHaveProperty('value', 'tiny-gpt2'));
    fireEvent.change(screen.getByLabelText('Prompt'), { target: { value: 'Once' } });
    fireEvent.click(screen.getByRole('button', { name: 'Submit request' }));
    const panel = await screen.findByRole('region', { name: 'Your request' });
    await waitFor(() => expect(within(panel).getByLabelText('Queue position').textContent).toContain('2'));
    expect(within(panel).getByLabelText('Estimated wait').textContent).toBe(formatDuration(95));
    expect(bridge.callsTo('requests:submitText')[0]?.models).toEqual(['tiny-gpt2']);

    // The tracker pushes the finished request.
    bridge.emit('request:updated', {
      entry: {
        id: 'job-1',
        kind: 'text',
        submittedAt: 1,
        summary: 'Once',
        models: ['tiny-gpt2'],
        kudos: fromKudos(7),
        state: 'done',
      },
      text: fx.textStatus({
        id: 'job-1',
        state: 'done',
        waiting: 0,
        finished: 1,
        generations: [
          {
            text: 'and they lived',
            model: 'tiny-gpt2',
            workerName: 'my-pc',
            workerId: 'w',
            state: 'ok',
            seed: 3,
          },
        ],
      }),
    });
    await waitFor(() => expect(within(panel).getByLabelText('Result').textContent).toBe('and they lived'));
    expect(within(panel).getByRole('button', { name: 'Copy result' })).toBeTruthy();
    expect(within(panel).queryByLabelText('Queue position')).toBeNull();
    stop();
  });

  it('shows the not-possible notice and lets the user cancel', async () => {
    const { bridge } = renderWithBridge(<RequestScreen />, {
      'requests:status': ({ id }) => fx.textStatus({ id, isPossible: false }),
    });
    fireEvent.change(screen.getByLabelText('Prompt'), { target: { value: 'Once' } });
    fireEvent.click(screen.getByRole('button', { name: 'Submit request' }));
    const panel = await screen.findByRole('region', { name: 'Your request' });
    await waitFor(() =>
      expect(within(panel).getByRole('alert').textContent).toContain('No worker can serve this right now.'),
    );
    expect(within(panel).queryByLabelText('Estimated wait')).toBeNull();

    fireEvent.click(within(panel).getByRole('button', { name: 'Cancel request' }));
    await waitFor(() => expect(within(panel).getByRole('status').textContent).toContain('Cancelled'));
    expect(bridge.callsTo('requests:cancel')).toEqual([{ id: 'job-1' }]);
  });

  it('explains a refused submit in plain words', async () => {
    renderWithBridge(<RequestScreen />, {
      'requests:submitText': () => Promise.reject({ rc: 'KudosUpfront', message: 'Due to heavy demand…' }),
    });
    fireEvent.change(screen.getByLabelText('Prompt'), { target: { value: 'Once' } });
    fireEvent.click(screen.getByRole('button', { name: 'Submit request' }));
    const panel = await screen.findByRole('region', { name: 'Your request' });
    await waitFor(() =>
      expect(within(panel).getByRole('alert').textContent).toContain(
        'This request costs more kudos than you have available and is too big to run for free.',
      ),
    );
  });
});

describe('stale quotes', () => {
  it('never shows the previous form’s quote as the new price', async () => {
    let release: () => void = () => {};
    const { bridge } = renderWithBridge(<TextRequestForm />, {
      'requests:price': async (r) => {
        // The second dry run hangs until the test lets it answer.
        if (r.params.max_length === 200) await new Promise<void>((res) => (release = res));
        const kudos = quoteOf(r);
        return {
          kudos,
          available: fromKudos(100),
          after: asMilli(fromKudos(100) - kudos),
          needsUpfront: false,
          upfront: { freeMaxLength: 512, required: fromKudos(0), short: fromKudos(0) },
          warnings: [],
        };
      },
    });
    await waitFor(() => expect(screen.getByLabelText('Model')).toHaveProperty('value', 'tiny-gpt2'));
    fireEvent.change(screen.getByLabelText('Prompt'), { target: { value: 'Hi' } });
    await waitFor(() =>
      expect(screen.getByLabelText('Price').textContent).toBe(`${formatKudos(priceOf(80, 1024))} kudos`),
    );
    fireEvent.change(screen.getByLabelText('Max length (tokens)'), { target: { value: '200' } });
    await waitFor(() =>
      expect(bridge.callsTo('requests:price').some((r) => r.params.max_length === 200)).toBe(true),
    );
    expect(screen.getByLabelText('Price').textContent).toContain(formatKudos(priceOf(200, 1024)));
    expect(screen.getByLabelText('Price').textContent).toContain('estimate');
    release();
    await waitFor(() =>
      expect(screen.getByLabelText('Price').textContent).toBe(`${formatKudos(priceOf(200, 1024))} kudos`),
    );
  });
});

describe('requests that can run', () => {
  const served = () => [
    { ...fx.hordeModels()[0]!, maxLength: 240, maxContextLength: 256 },
    fx.hordeModels()[1]!,
  ];

  it('takes its defaults from what the serving workers offer', async () => {
    renderWithBridge(<TextRequestForm />, { 'horde:models': served });
    await waitFor(() => expect(screen.getByLabelText('Model')).toHaveProperty('value', 'tiny-gpt2'));
    expect(screen.getByLabelText('Context (tokens)')).toHaveProperty('value', '256');
    expect(screen.getByLabelText('Max length (tokens)')).toHaveProperty('value', '80');
    expect(screen.getByText('Serving workers take up to 256.')).toBeTruthy();
    expect(screen.queryByRole('list', { name: 'No worker can serve this' })).toBeNull();
  });

  it('flags a request no worker can serve, with what to change', async () => {
    renderWithBridge(<TextRequestForm />, { 'horde:models': served });
    await waitFor(() => expect(screen.getByLabelText('Model')).toHaveProperty('value', 'tiny-gpt2'));
    fireEvent.change(screen.getByLabelText('Context (tokens)'), { target: { value: '1024' } });
    const flag = await screen.findByRole('list', { name: 'No worker can serve this' });
    expect(flag.textContent).toContain(
      'No worker serving tiny-gpt2 takes more than 256 tokens of context: lower Context (tokens) to 256.',
    );
    fireEvent.change(screen.getByLabelText('Model'), {
      target: { value: 'meta-llama/Meta-Llama-3-8B-Instruct' },
    });
    await waitFor(() =>
      expect(screen.getByRole('list', { name: 'No worker can serve this' }).textContent).toContain(
        'No worker serves meta-llama/Meta-Llama-3-8B-Instruct right now',
      ),
    );
  });
});
