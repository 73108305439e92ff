import { JsonLinesFile } from './json-lines';
import { z } from 'zod';
import { SerialQueue } from './atomic-file';

const RequestIntent = z.object({
  type: z.literal('request'),
  id: z.string(),
  at: z.number(),
  /** Which horde it goes to: 'embedded' or the URL. */
  horde: z.string(),
  kind: z.enum(['text', 'alchemy']),
  summary: z.string(),
  models: z.array(z.string()),
  /** What the request asks for, which bounds its result (history.ts). */
  asked: z
    .union([z.object({ maxLength: z.int().min(1) }), z.object({ forms: z.array(z.string()) })])
    .optional(),
});
const TransferIntent = z.object({
  type: z.literal('transfer'),
  id: z.string(),
  at: z.number(),
  horde: z.string(),
  toUsername: z.string(),
  kudos: z.number(),
  /** The user's `kudos_details.gifted` just before sending: on a horde without idempotency, the check after a crash. */
  giftedBefore: z.number().optional(),
});
const Settled = z.object({ type: z.literal('settled'), id: z.string(), at: z.number(), outcome: z.string() });
const Line = z.discriminatedUnion('type', [RequestIntent, TransferIntent, Settled]);

export type RequestIntent = z.infer<typeof RequestIntent>;
export type TransferIntent = z.infer<typeof TransferIntent>;
export type Intent = RequestIntent | TransferIntent;

/**
 * Write-ahead intents: before the app asks the horde to do something that
 * moves kudos (submit a request, send a transfer) it appends what it is about
 * to do here and flushes it; when the answer is in the history or the
 * journal, it appends that the intent is settled. After a crash the intents
 * still open are what the reconciler checks against the horde's own records.
 * JSON Lines, append-only; a torn last line (the crash itself) is skipped.
 */
export class IntentLog {
  private readonly openIntents = new Map<string, Intent>();
  private readonly queue = new SerialQueue();
  private readonly lines: JsonLinesFile;

  constructor(readonly file: string) {
    this.lines = new JsonLinesFile(file);
  }

  async load(): Promise<void> {
    for (const raw of await this.lines.read()) {
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        continue;
      }
      const line = Line.safeParse(json);
      if (!line.success) continue;
      if (line.data.type === 'settled') this.openIntents.delete(line.data.id);
      else this.openIntents.set(line.data.id, line.data);
    }
  }

  /** Intents begun and not settled, oldest first. */
  pending(): Intent[] {
    return [...this.openIntents.values()].sort((a, b) => a.at - b.at);
  }

  begin(intent: Intent): Promise<void> {
    return this.queue.run(async () => {
      await this.append(Line.parse(intent));
      this.openIntents.set(intent.id, intent);
    });
  }

  settle(id: string, outcome: string, at = Date.now()): Promise<void> {
    return this.queue.run(async () => {
      if (!this.openIntents.has(id)) return;
      await this.append({ type: 'settled', id, at, outcome });
      this.openIntents.delete(id);
    });
  }

  private append(line: z.infer<typeof Line>): Promise<void> {
    return this.lines.append([line]);
  }
}
