import { RC_STATUS, type Rc } from '../../shared/api/common';

/**
 * An answer the horde gives on purpose: HTTP status and `rc` as the AI Horde
 * raises them (horde/exceptions.py). The server's error handler turns it into
 * the `{"message", "rc"}` body.
 */
export class HordeError extends Error {
  readonly rc: Rc;
  readonly status: number;

  constructor(rc: Rc, message: string) {
    super(message);
    this.name = 'HordeError';
    this.rc = rc;
    this.status = RC_STATUS[rc];
  }
}

export const invalidApiKey = (): HordeError =>
  new HordeError('InvalidAPIKey', 'No user matching sent API Key. Ask the owner of this horde for a key.');

export const requestNotFound = (kind: string, id: string): HordeError =>
  new HordeError('RequestNotFound', `${kind} with ID '${id}' not found.`);

export const invalidJobId = (id: string): HordeError =>
  new HordeError('InvalidJobID', `Processing Job with ID ${id} does not exist.`);
