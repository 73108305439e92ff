import type { WorkerAction, WorkerStats } from '../../shared/bridge/contract';
import { bridgeError } from '../../shared/bridge/errors';
import type { WorkerPort } from './ports';
import { ZERO } from '../../shared/ledger/money';

/**
 * Stands in for the worker while its models load, so the window is usable
 * at once: reports "loading", refuses control until the real worker is
 * attached, then forwards everything to it.
 */
export class WorkerSlot implements WorkerPort {
  private worker: WorkerPort | null = null;
  private readonly listeners = new Set<(stats: WorkerStats) => void>();
  private detach: (() => void) | null = null;
  private placeholder: WorkerStats;

  constructor(reason = 'Loading models…') {
    this.placeholder = {
      state: 'no_model',
      stateReason: reason,
      jobsDone: 0,
      jobsFaulted: 0,
      tokensPerSecond: 0,
      kudosThisSession: ZERO,
      uptimeSeconds: 0,
      advertised: { models: [], maxLength: 0, maxContextLength: 0, forms: [] },
    };
  }

  attach(worker: WorkerPort): void {
    this.detach?.();
    this.worker = worker;
    this.detach = worker.onStats((s) => this.emit(s));
    this.emit(worker.stats());
  }

  /** While no worker is attached: say why (e.g. a model failed to load). */
  setReason(state: WorkerStats['state'], reason: string, lastError?: string): void {
    this.placeholder = {
      ...this.placeholder,
      state,
      stateReason: reason,
      ...(lastError ? { lastError } : {}),
    };
    if (!this.worker) this.emit(this.placeholder);
  }

  stats(): WorkerStats {
    return this.worker ? this.worker.stats() : { ...this.placeholder };
  }

  async control(action: WorkerAction): Promise<void> {
    await this.need().control(action);
  }

  async leaveMaintenance(): Promise<void> {
    await this.need().leaveMaintenance();
  }

  setPolicy(policy: Parameters<NonNullable<WorkerPort['setPolicy']>>[0]): void {
    this.worker?.setPolicy?.(policy);
  }

  onStats(listener: (stats: WorkerStats) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private need(): WorkerPort {
    if (!this.worker)
      throw bridgeError('WorkerStarting', this.placeholder.stateReason, 'Wait until the models have loaded.');
    return this.worker;
  }

  private emit(stats: WorkerStats): void {
    for (const l of this.listeners) l(stats);
  }
}
