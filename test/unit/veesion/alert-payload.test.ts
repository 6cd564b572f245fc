import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAlertPayload } from '../../../src/veesion/alert-payload';
import { FIXTURES } from '../../helpers/paths';

const fixture = (name: string) =>
  JSON.parse(readFileSync(join(FIXTURES, 'veesion', name), 'utf8')) as Record<string, unknown>;
const now = new Date('2026-11-22T10:00:00Z');

describe('parseAlertPayload', () => {
  it('maps the camelCase shape (Wildix dialplan variables)', () => {
    const r = parseAlertPayload(fixture('alert-camelcase.json'), now);
    expect(r).toEqual({
      ok: true,
      alert: expect.objectContaining({
        storeId: 'test-store-wildix',
        cameraId: '3',
        cameraIp: '192.168.10.64',
        groupId: 'entrance',
        alertType: 'theft',
        startDate: '2026-11-20T14:03:11.250Z',
      }),
    });
  });

  it('maps the snake_case shape: alert_uuid, location, label, time_spotted in Unix seconds, url', () => {
    const r = parseAlertPayload(fixture('alert-snakecase.json'), now);
    expect(r.ok && r.alert).toMatchObject({
      id: '33cbb18c-8b8f-4c57-a0a4-63d1a5f0e2aa',
      storeId: 'test-store-wildix',
      alertType: 'suspicious',
      startDate: '2025-11-20T14:03:11.083Z',
      videoUrl: 'https://media.veesion.io/b36006d7-0f4b-4d0e-8a11-4b1b9f3f1e55.mp4',
    });
  });

  it('derives a stable dedupe id from store, camera, start time and type when none is given', () => {
    const a = parseAlertPayload(fixture('alert-camelcase.json'), now);
    const b = parseAlertPayload({ ...fixture('alert-camelcase.json'), groupId: 'other' }, new Date());
    const c = parseAlertPayload({ ...fixture('alert-camelcase.json'), cameraId: '4' }, now);
    expect(a.ok && b.ok && a.alert.id === b.alert.id).toBe(true);
    expect(a.ok && c.ok && a.alert.id !== c.alert.id).toBe(true);
  });

  it('strips CR/LF and other control characters from every field', () => {
    const r = parseAlertPayload(
      { storeId: 's1', cameraId: '3\r\nAction: Originate\r\nApplication: System', groupId: 'a\u0000b' },
      now,
    );
    expect(r.ok && r.alert.cameraId).toBe('3  Action: Originate  Application: System');
    expect(r.ok && r.alert.groupId).toBe('a b');
  });

  it.each([
    [[1, 2], 'body must be a JSON object'],
    [null, 'body must be a JSON object'],
    [{ cameraId: '3' }, 'missing store id'],
    [{ storeId: { $ne: 1 } }, 'storeId must be a string or a number'],
    [{ storeId: 's', startDate: 'yesterday-ish' }, 'startDate is not a date'],
    [{ storeId: 'x'.repeat(300) }, 'storeId is longer than 256'],
  ])('refuses %j with a reason', (body, reason) => {
    const r = parseAlertPayload(body, now);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toContain(reason);
  });
});
