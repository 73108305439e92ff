import { describe, expect, it } from 'vitest';
import type { WorkerStats } from '../../shared/bridge/contract';
import type { WorkerPort } from './ports';
import { WorkerSlot } from './worker-slot';

function fakeWorker(state: WorkerStats['state']) {
  let listener: ((s: WorkerStats) => void) | null = null;
  const stats = { ...new WorkerSlot().stats(), state, stateReason: state };
  const actions: string[] = [];
  const worker: WorkerPort = {
    stats: () => stats,
    control: async (a) => void actions.push(a),
    leaveMaintenance: async () => void actions.push('leave'),
    onStats: (l) => {
      listener = l;
      return () => (listener = null);
    },
  };
  return { worker, actions, push: (s: WorkerStats) => listener?.(s) };
}

describe('WorkerSlot', () => {
  it('says the models are loading and refuses control until the worker is there', async () => {
    const slot = new WorkerSlot();
    expect(slot.stats()).toMatchObject({ state: 'no_model', stateReason: 'Loading models…' });
    await expect(slot.control('earn_now')).rejects.toMatchObject({ rc: 'WorkerStarting' });
  });

  it('forwards control and stats once the worker is attached', async () => {
    const slot = new WorkerSlot();
    const seen: string[] = [];
    slot.onStats((s) => seen.push(s.state));
    const fake = fakeWorker('running');
    slot.attach(fake.worker);
    await slot.control('pause_1h');
    await slot.leaveMaintenance();
    fake.push({ ...fake.worker.stats(), state: 'paused' });
    expect(fake.actions).toEqual(['pause_1h', 'leave']);
    expect(seen).toEqual(['running', 'paused']);
    expect(slot.stats().state).toBe('running');
  });

  it('shows why no worker runs', () => {
    const slot = new WorkerSlot();
    const seen: string[] = [];
    slot.onStats((s) => seen.push(s.stateReason));
    slot.setReason('stopped', 'Set your API key');
    expect(slot.stats()).toMatchObject({ state: 'stopped', stateReason: 'Set your API key' });
    expect(seen).toEqual(['Set your API key']);
  });
});
