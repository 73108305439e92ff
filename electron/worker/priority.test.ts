import { getPriority } from 'node:os';
import { describe, expect, it } from 'vitest';
import { nodeOs, processPriority, type PriorityOs } from './priority';
import { paceForward } from './engines/generation';

describe('processPriority', () => {
  it('lowers every thread, puts them back, and survives threads that refuse', () => {
    const now = new Map([
      [1, 0],
      [2, 5],
      [3, 0],
    ]);
    const os: PriorityOs = {
      threads: () => [1, 2, 3],
      get: (id) => now.get(id)!,
      set: (id, p) => {
        if (id === 3) throw new Error('EPERM');
        now.set(id, p);
      },
    };
    const priority = processPriority(os);
    priority.lower();
    expect([...now.values()]).toEqual([19, 19, 0]);
    priority.lower(); // once only: the second call must not save 19 as "before"
    priority.restore();
    expect([...now.values()]).toEqual([0, 5, 0]);
  });

  it.runIf(process.platform === 'linux')('on Linux lowers the real threads of this process', () => {
    const before = getPriority(process.pid);
    const priority = processPriority(nodeOs);
    priority.lower();
    try {
      expect(nodeOs.threads().length).toBeGreaterThan(1);
      expect(getPriority(process.pid)).toBe(19);
    } finally {
      priority.restore();
    }
    // Root (as in the tests) may raise the priority back; an ordinary user stays low.
    if (process.getuid?.() === 0) expect(getPriority(process.pid)).toBe(before);
  });
});

describe('paceForward', () => {
  it('rests after each forward pass at reduced speed, and gives the model back', async () => {
    class Model {
      async forward(x: unknown): Promise<unknown> {
        await new Promise((r) => setTimeout(r, 40));
        return x;
      }
    }
    const model = new Model();
    let share = 0.5;
    const unpace = paceForward(model, () => share);
    let started = performance.now();
    expect(await model.forward('a')).toBe('a');
    // 40 ms of work at half speed: at least as long again at rest.
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
    share = 1;
    started = performance.now();
    await model.forward('b');
    const full = performance.now() - started;
    unpace();
    expect(Object.prototype.hasOwnProperty.call(model, 'forward')).toBe(false);
    expect(full).toBeGreaterThanOrEqual(35);
  });
});
