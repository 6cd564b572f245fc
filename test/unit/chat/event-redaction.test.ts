import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { redactEvent } from '../../../src/chat/event-redaction';
import { FIXTURES } from '../../helpers/paths';

const example = (name: string) =>
  JSON.parse(readFileSync(join(FIXTURES, 'wildix', name), 'utf8')) as Record<string, unknown>;

describe('redactEvent', () => {
  // docs.wildix.com, Calls -> Webhooks: the call:live:progress example (fixtures/wildix/README.md).
  it('takes the people out of the documented call:live:progress and keeps its shape and codes', () => {
    const out = redactEvent(example('call-live-progress.body.json')) as {
      data: { flows: Record<string, unknown>[] };
    } & Record<string, unknown>;
    const text = JSON.stringify(out);
    for (const gone of ['John Doe', 'johndoe@example.com', '159255512345']) expect(text).not.toContain(gone);
    const [flow] = out.data.flows;
    expect(flow).toMatchObject({
      caller: {
        type: 'LOCAL',
        phone: '<phone>',
        name: '<name>',
        email: '<email>',
        userExtension: '230',
        role: 'AGENT',
      },
      destination: '<phone>',
      remotePhone: '<phone>',
      status: 'HOLD',
      direction: 'INTERNAL',
      flowIndex: 0,
    });
    expect(out).toMatchObject({
      id: 'it_w000001_1721984075.0',
      type: 'call:live:progress',
      time: 1721984076400,
      pbx: '000000000001',
    });
    expect((out.data as Record<string, unknown>).start).toBe('2024-07-26T08:54:36.337Z'); // a time is no phone number
  });

  // docs.wildix.com, Conferences -> Webhooks: conference:live:progress (subject, participants with jid and e-mail).
  it('takes the subject, names, addresses and jids out of the documented conference:live:progress', () => {
    const text = JSON.stringify(redactEvent(example('conference-live-progress.body.json')));
    for (const gone of ['John Doe', 'johndoe', 'Status & Priorities', 'jid1@']) expect(text).not.toContain(gone);
    expect(text).toContain('"subject":"<text>"');
    expect(text).toContain('"pbxExtension":"25111"');
  });

  it('replaces message text, any e-mail or phone number anywhere, keys that are values; keeps nulls, booleans, numbers', () => {
    const out = redactEvent({
      type: 'chat:message:action',
      data: {
        message: {
          text: 'Anna here, call me',
          body: { nested: 'x' },
          mentions: ['see anna@example.com', 'or +33 6 12 34 56 78'],
        },
        user: {
          first_name: 'Anna',
          lastName: 'Rossi',
          'e-mail': 'anna@example.com',
          id: 'u1',
          bot: false,
          phoneNumber: 33612345678,
        },
        note: null,
        byPhone: { '+33612345678': true },
        extension: '1001',
        count: 3,
      },
    });
    expect(out).toEqual({
      type: 'chat:message:action',
      data: {
        message: { text: '<text>', body: { nested: 'x' }, mentions: ['see <email>', 'or <phone>'] },
        user: {
          first_name: '<name>',
          lastName: '<name>',
          'e-mail': '<email>',
          id: 'u1',
          bot: false,
          phoneNumber: '<phone>',
        },
        note: null,
        byPhone: { '<key1>': true },
        extension: '1001',
        count: 3,
      },
    });
  });
});
