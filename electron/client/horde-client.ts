import type { InterrogateAsyncInput } from '../../shared/api/interrogate';
import type { TextAsyncInput } from '../../shared/api/text';
import { z } from 'zod';
import {
  AsyncAnswer,
  HeartbeatAnswer,
  InterrogateStatusAnswer,
  ModelsAnswer,
  PerformanceAnswer,
  TextStatusAnswer,
  TransferAnswer,
  UserAnswer,
  WorkerAnswer,
} from './answers';
import { HordeHttp, type HordeHttpOptions } from './http';

export type HordeClientOptions = HordeHttpOptions;

const seg = (id: string) => encodeURIComponent(id);

/**
 * The requester side of a horde — the embedded one or the public AI Horde,
 * same routes and fields. Calls that may be sent twice are retried on
 * network errors, 5xx and 429; the others fail fast.
 */
export class HordeClient {
  private readonly http: HordeHttp;

  constructor(opts: HordeClientOptions) {
    this.http = new HordeHttp(opts);
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  heartbeat(signal?: AbortSignal) {
    return this.http.call('/v2/status/heartbeat', HeartbeatAnswer, {
      method: 'GET',
      idempotent: true,
      signal,
    });
  }

  findUser(signal?: AbortSignal) {
    return this.http.call('/v2/find_user', UserAnswer, { method: 'GET', idempotent: true, signal });
  }

  textAsync(body: TextAsyncInput, signal?: AbortSignal) {
    // A dry run queues nothing, so sending it twice is harmless.
    const idempotent = body.dry_run === true;
    return this.http.call('/v2/generate/text/async', AsyncAnswer, {
      method: 'POST',
      body,
      idempotent,
      signal,
    });
  }

  textStatus(id: string, signal?: AbortSignal) {
    return this.http.call(`/v2/generate/text/status/${seg(id)}`, TextStatusAnswer, {
      method: 'GET',
      idempotent: true,
      signal,
    });
  }

  textCancel(id: string, signal?: AbortSignal) {
    return this.http.call(`/v2/generate/text/status/${seg(id)}`, TextStatusAnswer, {
      method: 'DELETE',
      idempotent: true,
      signal,
    });
  }

  interrogateAsync(body: InterrogateAsyncInput, signal?: AbortSignal) {
    return this.http.call('/v2/interrogate/async', AsyncAnswer, {
      method: 'POST',
      body,
      idempotent: body.dry_run === true,
      signal,
    });
  }

  interrogateStatus(id: string, signal?: AbortSignal) {
    return this.http.call(`/v2/interrogate/status/${seg(id)}`, InterrogateStatusAnswer, {
      method: 'GET',
      idempotent: true,
      signal,
    });
  }

  interrogateCancel(id: string, signal?: AbortSignal) {
    return this.http.call(`/v2/interrogate/status/${seg(id)}`, InterrogateStatusAnswer, {
      method: 'DELETE',
      idempotent: true,
      signal,
    });
  }

  /** The Idempotency-Key makes a retried transfer apply once, so it is retried like a GET. */
  transfer(username: string, amount: number, idempotencyKey: string, signal?: AbortSignal) {
    return this.http.call('/v2/kudos/transfer', TransferAnswer, {
      method: 'POST',
      body: { username, amount },
      headers: { 'Idempotency-Key': idempotencyKey },
      idempotent: true,
      signal,
    });
  }

  models(type: 'text' | 'image' = 'text', signal?: AbortSignal) {
    return this.http.call('/v2/status/models', ModelsAnswer, {
      method: 'GET',
      query: { type },
      idempotent: true,
      signal,
    });
  }

  /** Queue length and text threads online, for the free-tokens (upfront kudos) threshold. */
  performance(signal?: AbortSignal) {
    return this.http.call('/v2/status/performance', PerformanceAnswer, {
      method: 'GET',
      idempotent: true,
      signal,
    });
  }

  worker(id: string, signal?: AbortSignal) {
    return this.http.call(`/v2/workers/${seg(id)}`, WorkerAnswer, {
      method: 'GET',
      idempotent: true,
      signal,
    });
  }

  /** Setting a flag to the same value twice is harmless, so this is retried too. */
  modifyWorker(
    id: string,
    body: { maintenance?: boolean; paused?: boolean; info?: string },
    signal?: AbortSignal,
  ) {
    return this.http.call(`/v2/workers/${seg(id)}`, z.record(z.string(), z.unknown()), {
      method: 'PUT',
      body,
      idempotent: true,
      signal,
    });
  }
}
