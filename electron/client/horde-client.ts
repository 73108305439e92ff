import { OwnerRecord, WorkerRecord } from '../../shared/api/answers';
import type { ClubJoinInput } from '../../shared/api/club';
import type { ImageAsyncInput, ImagePopInput, ImageSubmitInput } from '../../shared/api/image';
import type {
  InterrogateAsyncInput,
  InterrogatePopInput,
  InterrogateSubmitInput,
} from '../../shared/api/interrogate';
import { HORDE_ROUTES as R } from '../../shared/api/routes';
import type { TextAsyncInput, TextPopInput, TextSubmitInput } from '../../shared/api/text';
import type { ModifyWorkerInput } from '../../shared/api/workers';
import { HordeHttp, type HordeHttpOptions } from './http';
import { RETRY, type RetryPolicy } from './retry';
import { HordeError } from '../../shared/api/horde-error';

export type HordeClientOptions = HordeHttpOptions;

/**
 * The one client of a horde — the embedded one or the public AI Horde, same routes and fields —
 * for the requester (bridge) and the worker alike. Each call names its retry policy
 * (retry.ts): reads, cancels and transfers are retried on network errors, 5xx and 429; a
 * request submission and a pop are sent once; a worker's submit retries until its deadline.
 * Every failure is a HordeError with the horde's `rc`.
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
    return this.http.route(R.heartbeat, {
      retry: RETRY.read,
      signal,
    });
  }

  async findUser(signal?: AbortSignal) {
    try {
      return await this.http.route(R.findUser, { retry: RETRY.read, signal });
    } catch (err) {
      // The AI Horde (and the embedded one) answers a key that matches nobody with 404
      // UserNotFound on this route: to the person who typed the key, that is a wrong key.
      if (err instanceof HordeError && err.rc === 'UserNotFound')
        throw new HordeError('InvalidAPIKey', err.message, { status: err.status });
      throw err;
    }
  }

  textAsync(body: TextAsyncInput, signal?: AbortSignal) {
    return this.http.route(R.textAsync, {
      body,
      // A dry run queues nothing, so sending it twice is harmless.
      retry: body.dry_run === true ? RETRY.read : RETRY.request,
      signal,
    });
  }

  textStatus(id: string, signal?: AbortSignal) {
    return this.http.route(R.textStatus, {
      params: { id },
      retry: RETRY.read,
      signal,
    });
  }

  textCancel(id: string, signal?: AbortSignal) {
    return this.http.route(R.textCancel, {
      params: { id },
      retry: RETRY.read,
      signal,
    });
  }

  interrogateAsync(body: InterrogateAsyncInput, signal?: AbortSignal) {
    return this.http.route(R.interrogateAsync, {
      body,
      retry: body.dry_run === true ? RETRY.read : RETRY.request,
      signal,
    });
  }

  interrogateStatus(id: string, signal?: AbortSignal) {
    return this.http.route(R.interrogateStatus, {
      params: { id },
      retry: RETRY.read,
      signal,
    });
  }

  interrogateCancel(id: string, signal?: AbortSignal) {
    return this.http.route(R.interrogateCancel, {
      params: { id },
      retry: RETRY.read,
      signal,
    });
  }

  /**
   * On a horde that honours the Idempotency-Key (`idempotent`, the embedded one) a retried
   * transfer applies once, so it is retried like a GET; elsewhere it is re-sent only when it
   * surely never left this machine (retry.ts `transferBlind`).
   */
  transfer(
    username: string,
    amount: number,
    idempotencyKey: string,
    signal?: AbortSignal,
    o: { idempotent?: boolean } = {},
  ) {
    return this.http.route(R.transfer, {
      body: { username, amount },
      headers: { 'Idempotency-Key': idempotencyKey },
      retry: o.idempotent ? RETRY.transfer : RETRY.transferBlind,
      signal,
    });
  }

  /** `POST /v2/generate/async`; a dry run answers `{kudos}` and queues nothing. */
  imageAsync(body: ImageAsyncInput, signal?: AbortSignal) {
    return this.http.route(R.imageAsync, {
      body,
      retry: body.dry_run === true ? RETRY.read : RETRY.request,
      signal,
    });
  }

  /** Cheap progress (10/s on the AI Horde): poll this, then fetch the status once done. */
  imageCheck(id: string, signal?: AbortSignal) {
    return this.http.route(R.imageCheck, {
      params: { id },
      retry: RETRY.read,
      signal,
    });
  }

  /** With the images (10/min on the AI Horde). */
  imageStatus(id: string, signal?: AbortSignal) {
    return this.http.route(R.imageStatus, {
      params: { id },
      retry: RETRY.read,
      signal,
    });
  }

  imageCancel(id: string, signal?: AbortSignal) {
    return this.http.route(R.imageCancel, {
      params: { id },
      retry: RETRY.read,
      signal,
    });
  }

  models(type: 'text' | 'image' = 'text', signal?: AbortSignal) {
    return this.http.route(R.models, {
      query: { type },
      retry: RETRY.read,
      signal,
    });
  }

  /** Queue length and text threads online, for the free-tokens (upfront kudos) threshold. */
  performance(signal?: AbortSignal) {
    return this.http.route(R.performance, {
      retry: RETRY.read,
      signal,
    });
  }

  /** The text workers and what each offers (max length, context, models). */
  textWorkers(signal?: AbortSignal) {
    return this.http.route(R.workers, {
      query: { type: 'text' },
      retry: RETRY.read,
      signal,
    });
  }

  worker(id: string, signal?: AbortSignal) {
    return this.http.route(R.worker, {
      params: { id },
      retry: RETRY.read,
      signal,
    });
  }

  /** Setting a flag to the same value twice is harmless, so this is retried (unless told otherwise). */
  modifyWorker(id: string, body: ModifyWorkerInput, signal?: AbortSignal, retry: RetryPolicy = RETRY.read) {
    return this.http.route(R.modifyWorker, {
      params: { id },
      body,
      retry,
      signal,
    });
  }

  /** A club horde turns an invite into a new member and their key; sent once, as a repeat would spend the invite. */
  clubJoin(body: ClubJoinInput, signal?: AbortSignal) {
    return this.http.route(R.clubJoin, { body, retry: RETRY.request, signal });
  }

  // ─── worker side ───────────────────────────────────────────────────────

  /**
   * Asks for a text job. The answer is returned unchecked: the worker reads it piece by piece
   * (text-job.ts) so that one bad field faults that job instead of the whole pop.
   */
  textPop(body: TextPopInput, signal?: AbortSignal) {
    return this.http.route(R.textPop, {
      body,
      retry: RETRY.pop,
      signal,
    });
  }

  /** Asks for alchemy forms; the answer is read piece by piece (alchemy-job.ts). */
  interrogatePop(body: InterrogatePopInput, signal?: AbortSignal) {
    return this.http.route(R.interrogatePop, {
      body,
      retry: RETRY.pop,
      signal,
    });
  }

  /** Asks for image jobs; the answer is read piece by piece (image-job.ts). */
  imagePop(body: ImagePopInput, signal?: AbortSignal) {
    return this.http.route(R.imagePop, {
      body,
      retry: RETRY.pop,
      signal,
    });
  }

  /** Hands an image job back (after its WebP went to the upload URL, or inline as base64). */
  imageSubmit(body: ImageSubmitInput, retry: RetryPolicy) {
    return this.http.route(R.imageSubmit, { body, retry });
  }

  /** Hands a text job back; the worker's policy retries it until the job's deadline. */
  textSubmit(body: TextSubmitInput, retry: RetryPolicy) {
    return this.http.route(R.textSubmit, { body, retry });
  }

  /** Hands an alchemy form back. */
  interrogateSubmit(body: InterrogateSubmitInput, retry: RetryPolicy) {
    return this.http.route(R.interrogateSubmit, { body, retry });
  }

  /** The owner's kudos and worker ids, as the worker reads them (fewer fields than `findUser`). */
  ownerRecord(retry: RetryPolicy = RETRY.read) {
    return this.http.route(R.findUser, { retry }, OwnerRecord);
  }

  /** A worker's name and maintenance flag, as the worker reads them. */
  workerRecord(id: string, retry: RetryPolicy = RETRY.read) {
    return this.http.route(R.worker, { params: { id }, retry }, WorkerRecord);
  }

  /** A job's source image, from the URL the pop gave. */
  download(url: string, signal?: AbortSignal) {
    return this.http.download(url, signal);
  }

  /** A result image, to the upload URL the pop gave. */
  upload(url: string, bytes: Uint8Array, contentType: string, signal?: AbortSignal) {
    return this.http.upload(url, bytes, contentType, signal);
  }
}
