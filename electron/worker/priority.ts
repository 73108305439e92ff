/**
 * The OS priority of the inference while a job finishes after the user came
 * back. On Linux a nice value belongs to a thread, not to the process, so
 * every thread of this process is lowered (ONNX Runtime's intra-op threads
 * too: their number is fixed when the session is made, so lowering them is
 * what can be done mid-job); elsewhere the process as a whole. Going back up
 * needs a privilege an ordinary user lacks on Linux: then the threads stay
 * low, which costs nothing while nobody else wants the CPU.
 */
import { readdirSync } from 'node:fs';
import { constants, getPriority, setPriority } from 'node:os';
import type { JobPriority } from './worker-options';

export interface PriorityOs {
  /** Thread ids on Linux; [0] (this process) where threads cannot be named. */
  threads(): number[];
  get(id: number): number;
  set(id: number, priority: number): void;
}

export const nodeOs: PriorityOs = {
  threads: () => {
    if (process.platform !== 'linux') return [0];
    try {
      return readdirSync('/proc/self/task').map(Number).filter(Number.isInteger);
    } catch {
      return [0];
    }
  },
  get: (id) => getPriority(id),
  set: (id, priority) => setPriority(id, priority),
};

export function processPriority(os: PriorityOs = nodeOs): JobPriority {
  let saved = new Map<number, number>();
  return {
    lower() {
      if (saved.size > 0) return;
      for (const id of os.threads()) {
        try {
          const before = os.get(id);
          if (before >= constants.priority.PRIORITY_LOW) continue;
          os.set(id, constants.priority.PRIORITY_LOW);
          saved.set(id, before);
        } catch {
          // A thread that ended meanwhile, or a platform that refuses: the pace still halves the work.
        }
      }
    },
    restore() {
      const back = saved;
      saved = new Map();
      for (const [id, priority] of back) {
        try {
          os.set(id, priority);
        } catch {
          // EACCES without CAP_SYS_NICE: the thread stays at low priority (see above).
        }
      }
    },
  };
}
