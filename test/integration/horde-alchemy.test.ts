import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alchemyFormKudos, imageTiles } from '../../shared/kudos/pricing';
import { fromKudos } from '../../shared/ledger/money';
import { DEFAULT_LIMITS } from '../../electron/horde/index';
import type { InterrogationPopForm } from '../../shared/api/interrogate';
import { openTestHorde, PNG_1X1, sdkError, type TestHorde } from './horde-testkit';

/** Alchemy forms over real HTTP with the SDK, image results through the horde's own upload URL. */
let t: TestHorde;
let imageServer: Server;
let imageUrl: string;
const png = Buffer.from(PNG_1X1, 'base64');

beforeAll(async () => {
  t = await openTestHorde();
  imageServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length });
    res.end(png);
  });
  await new Promise<void>((resolve) => imageServer.listen(0, '127.0.0.1', resolve));
  imageUrl = `http://127.0.0.1:${(imageServer.address() as AddressInfo).port}/cat.png`;
});
afterAll(async () => {
  await new Promise((resolve) => imageServer.close(resolve));
  await t.close();
});

const kudosOf = async (key: string) => fromKudos((await t.call('GET', '/find_user', { key })).body.kudos);

describe('interrogation', () => {
  it('goes async → pop → submit → done for a text form and an image form, paying each form once', async () => {
    const u = t.user('alch-req', 20);
    const owner = t.user('alch-owner');
    const requester = t.sdk(u.apikey);
    const worker = t.sdk(owner.apikey);
    const queued = await requester.postAsyncInterrogate(
      { source_image: PNG_1X1, forms: [{ name: 'caption' as never }, { name: 'strip_background' as never }] },
      { token: u.apikey },
    );
    expect(queued.id).toBeTruthy();

    const pop = await worker.postInterrogationPop(
      { name: 'alchemist-1', forms: ['caption', 'strip_background'] as never, amount: 2 },
      { token: owner.apikey },
    );
    // The SDK types `forms` as one object with `name`; the server (and this horde) send an array of {id, form, ...}.
    const forms = pop.forms as unknown as InterrogationPopForm[];
    expect(forms).toHaveLength(2);
    const caption = forms.find((f) => f.form === 'caption')!;
    const strip = forms.find((f) => f.form === 'strip_background')!;
    expect(caption.r2_upload).toBeUndefined();
    expect(strip.r2_upload).toBeTruthy();
    // The worker reads the source from the horde's own URL.
    const source = await fetch(caption.source_image);
    expect(Buffer.from(await source.arrayBuffer()).equals(png)).toBe(true);

    const before = await kudosOf(u.apikey);
    const r1 = await worker.postInterrogationSubmit(
      { id: caption.id!, result: { caption: 'a tiny dot' } } as never,
      { token: owner.apikey },
    );
    const put = await fetch(strip.r2_upload!, {
      method: 'PUT',
      headers: { 'content-type': 'image/png' },
      body: png,
    });
    expect(put.status).toBe(200);
    const r2 = await worker.postInterrogationSubmit(
      { id: strip.id!, result: { strip_background: 'R2' } } as never,
      { token: owner.apikey },
    );
    const tiles = imageTiles(1, 1);
    expect(fromKudos(r1.reward ?? NaN)).toBe(fromKudos(alchemyFormKudos('caption', tiles)));
    expect(fromKudos(r2.reward ?? NaN)).toBe(fromKudos(alchemyFormKudos('strip_background', tiles)));
    expect(
      await sdkError(
        worker.postInterrogationSubmit({ id: caption.id!, result: { caption: 'x' } } as never, {
          token: owner.apikey,
        }),
      ),
    ).toEqual({
      status: 400,
      rc: 'DuplicateGen',
    });

    const status = await requester.getInterrogationStatus(queued.id!, { force: true });
    expect(status.state).toBe('done');
    const results = Object.fromEntries(
      (status.forms ?? []).map((f) => [f.form, f.result as Record<string, string>]),
    );
    expect(results.caption).toEqual({ caption: 'a tiny dot' });
    const image = await fetch(results.strip_background!.strip_background!);
    expect(Buffer.from(await image.arrayBuffer()).equals(png)).toBe(true);

    const paid =
      fromKudos(alchemyFormKudos('caption', tiles)) + fromKudos(alchemyFormKudos('strip_background', tiles));
    expect(await kudosOf(u.apikey)).toBe(before - paid);
    expect(await kudosOf(owner.apikey)).toBe(paid);
    expect(t.horde.admin.verify().ok).toBe(true);
  });

  it('refuses source image URLs on this machine (only base64 and its own store are read) and non-images', async () => {
    const u = t.user('alch-url');
    // The horde must not fetch from the machine it runs on for a caller: any page can call it.
    const local = await t.call('POST', '/interrogate/async', {
      key: u.apikey,
      body: { source_image: imageUrl, forms: [{ name: 'nsfw' }] },
    });
    expect(local).toMatchObject({ status: 400, body: { rc: 'SourceImageUrlInvalid' } });
    const lan = await t.call('POST', '/interrogate/async', {
      key: u.apikey,
      body: { source_image: 'http://192.168.0.20/cat.png', forms: [{ name: 'nsfw' }] },
    });
    expect(lan).toMatchObject({ status: 400, body: { rc: 'SourceImageUrlInvalid' } });
    const garbage = await t.call('POST', '/interrogate/async', {
      key: u.apikey,
      body: {
        source_image: Buffer.from('not an image at all').toString('base64'),
        forms: [{ name: 'nsfw' }],
      },
    });
    expect(garbage).toMatchObject({ status: 400, body: { rc: 'ImageValidationFailed' } });
    const badForm = await t.call('POST', '/interrogate/async', {
      key: u.apikey,
      body: { source_image: PNG_1X1, forms: [{ name: 'teleport' }] },
    });
    expect(badForm).toMatchObject({ status: 400, body: { rc: 'BadRequest' } });
  });

  it('requeues a form not submitted within 3 minutes, and refuses uploads for it afterwards', async () => {
    const u = t.user('alch-slow-req');
    const slow = t.user('alch-slow');
    const other = t.user('alch-other');
    const { body } = await t.call('POST', '/interrogate/async', {
      key: u.apikey,
      body: { source_image: PNG_1X1, forms: [{ name: 'RealESRGAN_x4plus' }] },
    });
    const first = await t.call('POST', '/interrogate/pop', {
      key: slow.apikey,
      body: { name: 'slow-alch', forms: ['RealESRGAN_x4plus'] },
    });
    expect(first.body.forms).toHaveLength(1);
    t.clock.advance((DEFAULT_LIMITS.formTtlS + 1) * 1000);
    const second = await t.call('POST', '/interrogate/pop', {
      key: other.apikey,
      body: { name: 'other-alch', forms: ['RealESRGAN_x4plus'] },
    });
    expect(second.body.forms).toHaveLength(1);
    expect(second.body.forms[0].id).toBe(first.body.forms[0].id);
    const staleUpload = await fetch(first.body.forms[0].r2_upload, {
      method: 'PUT',
      headers: { 'content-type': 'image/png' },
      body: png,
    });
    expect(staleUpload.status).toBe(403);
    const late = await t.call('POST', '/interrogate/submit', {
      key: slow.apikey,
      body: { id: first.body.forms[0].id, result: { x: 'R2' } },
    });
    expect(late).toMatchObject({ status: 403, body: { rc: 'WrongCredentials' } });
    const status = (await t.call('GET', `/interrogate/status/${body.id}`)).body;
    expect(status.state).toBe('processing');
  });

  it('cancels the forms not yet taken', async () => {
    const u = t.user('alch-cancel');
    const { body } = await t.call('POST', '/interrogate/async', {
      key: u.apikey,
      body: { source_image: PNG_1X1, forms: [{ name: 'caption' }, { name: 'interrogation' }] },
    });
    const res = await t.call('DELETE', `/interrogate/status/${body.id}`);
    expect(res.status).toBe(200);
    expect(res.body.forms.map((f: { state: string }) => f.state)).toEqual(['cancelled', 'cancelled']);
    expect(res.body.state).toBe('cancelled');
  });
});
