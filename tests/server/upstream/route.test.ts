/** Route planning: the default order of providers, and the submit's order/only/ignore/allow_fallbacks. */
import { describe, expect, it } from 'vitest';
import { HttpError } from '../../../server/http-error';
import { parseUpstreams } from '../../../server/upstream/config';
import { planRoute, type RouteInput } from '../../../server/upstream/route';

const WAN = 'wan/2.2-14b/text-to-video';
const upstreams = parseUpstreams(
  JSON.stringify([
    { name: 'eu', url: 'https://eu.example.com', api_key: 'k1' },
    { name: 'wan-host', url: 'https://wan.example.com', api_key: 'k2', models: [WAN] },
    { name: 'us', url: 'https://us.example.com', api_key: 'k3' },
  ]),
  'test',
);
const own: RouteInput = {
  requestedModel: 'phosphene/v1/text-to-video',
  ownModel: true,
  aliased: false,
  withLora: false,
  upstreams,
};
const alias: RouteInput = { requestedModel: WAN, ownModel: false, aliased: true, withLora: false, upstreams };

const refusal = (input: RouteInput) => {
  try {
    planRoute(input);
  } catch (error) {
    return error as HttpError;
  }
  throw new Error('expected a refusal');
};

describe('planRoute', () => {
  it('runs our own models here first, then the upstreams that serve anything', () => {
    expect(planRoute(own)).toEqual(['local', 'eu', 'us']);
  });

  it('sends an id an upstream lists to it before our alias of that id', () => {
    expect(planRoute(alias)).toEqual(['wan-host', 'local', 'eu', 'us']);
  });

  it('with aliasing off, runs an unknown id only where an upstream lists it; nowhere is empty', () => {
    expect(planRoute({ ...alias, aliased: false })).toEqual(['wan-host']);
    expect(planRoute({ ...alias, requestedModel: 'acme/other', aliased: false })).toEqual([]);
  });

  it('keeps a LoRA job here, and refuses one only upstreams could run', () => {
    expect(planRoute({ ...own, withLora: true })).toEqual(['local']);
    expect(refusal({ ...alias, aliased: false, withLora: true }).code).toBe('no_provider');
    expect(refusal({ ...own, withLora: true, prefs: { only: ['eu'] } }).message).toMatch(/lora_id runs only here/);
  });

  it('applies order (named first, the rest after in their order), only, ignore and allow_fallbacks', () => {
    expect(planRoute({ ...own, prefs: { order: ['us', 'eu'] } })).toEqual(['us', 'eu', 'local']);
    expect(planRoute({ ...own, prefs: { only: ['us', 'local'] } })).toEqual(['local', 'us']);
    expect(planRoute({ ...own, prefs: { ignore: ['local'] } })).toEqual(['eu', 'us']);
    expect(planRoute({ ...own, prefs: { order: ['us'], allow_fallbacks: false } })).toEqual(['us']);
    expect(planRoute({ ...alias, prefs: { order: ['local'], ignore: ['us'] } })).toEqual(['local', 'wan-host', 'eu']);
  });

  it('refuses unknown provider names with the known ones, and preferences that leave nothing', () => {
    const unknown = refusal({ ...own, prefs: { ignore: ['mars'] } });
    expect([unknown.status, unknown.code]).toEqual([400, 'validation_error']);
    expect(unknown.message).toBe(
      'Invalid request: provider.ignore: unknown provider "mars"; this server knows local, eu, wan-host, us.',
    );
    // wan-host serves only what it lists, so it is no candidate for our own model.
    const none = refusal({ ...own, prefs: { only: ['wan-host'] } });
    expect(none.code).toBe('no_provider');
    expect(none.message).toMatch(/can run on local, eu, us.*loosen provider\.only/);
  });

  it('with no upstreams, is this server alone', () => {
    expect(planRoute({ ...own, upstreams: [] })).toEqual(['local']);
  });
});
