import type { FastifyPluginAsync } from 'fastify';
import { HORDE_ROUTES as R } from '../../../shared/api/routes';
import { serve } from '../route-table';
import { HordeError } from '../../../shared/api/horde-error';
import { invalidJobId } from '../errors';
import type { HordeContext } from '../context';
import { validateImage } from '../images';
import { getBlob, putBlob } from '../store/blobs';
import { formById, interrogationById, uploadAllowed } from '../store/interrogate-queue';

/**
 * The horde's own stand-in for the AI Horde's R2 bucket: a worker downloads
 * the source image from `source_image` and PUTs an image result to its
 * `r2_upload` URL (a one-job secret in the query), then submits "R2" as the
 * form's result; requesters read the result back from the URL the status gives.
 */
export const r2Routes =
  (ctx: HordeContext): FastifyPluginAsync =>
  async (app) => {
    serve(app, R.formSource, async (req, reply) => {
      const i = interrogationById(ctx.db, req.params.id);
      const blob = i ? getBlob(ctx.db, i.source_blob) : undefined;
      if (!blob) throw new HordeError('NotFound', `No source image for '${req.params.id}'.`);
      return reply.type(blob.contentType).send(Buffer.from(blob.data));
    });

    serve(app, R.formUpload, async (req, reply) => {
      if (!formById(ctx.db, req.params.id)) throw invalidJobId(req.params.id);
      if (!uploadAllowed(ctx.db, req.params.id, req.query.token ?? '')) {
        throw new HordeError(
          'Forbidden',
          'This upload URL is not valid (wrong token, or the form is no longer being processed).',
        );
      }
      if (!(req.body instanceof Buffer))
        throw new HordeError(
          'BadRequest',
          'Send the image bytes with Content-Type image/webp, image/png or image/jpeg.',
        );
      const bytes = new Uint8Array(req.body);
      const info = validateImage(bytes, ctx.limits.maxImageBytes);
      putBlob(ctx.db, `result:${req.params.id}`, info.contentType, bytes, ctx.clock());
      return reply.status(200).send({});
    });

    serve(app, R.formResult, async (req, reply) => {
      const blob = getBlob(ctx.db, `result:${req.params.id}`);
      if (!blob) throw new HordeError('NotFound', `No result image for '${req.params.id}'.`);
      return reply.type(blob.contentType).send(Buffer.from(blob.data));
    });
  };
