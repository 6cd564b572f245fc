import { displayUrl, wants } from '../../../src/integrations/integration';

describe('wants (filter and scope)', () => {
  const event = { type: 'alert.received' as const, storeId: 'store-1', location: 'Trento' };
  it('takes only the types in the filter', () => {
    expect(wants({ filter: ['alert.received'], scope: 'all' }, event)).toBe(true);
    expect(wants({ filter: ['alert.announced', 'alert.failed'], scope: 'all' }, event)).toBe(false);
  });
  it('scopes to all, a location, or a store id', () => {
    const all = ['alert.received' as const];
    expect(wants({ filter: all, scope: 'Trento' }, event)).toBe(true);
    expect(wants({ filter: all, scope: 'Milano' }, event)).toBe(false);
    expect(wants({ filter: all, scope: 'store-1' }, event)).toBe(true);
    expect(wants({ filter: all, scope: 'store-2' }, event)).toBe(false);
    expect(wants({ filter: all, scope: 'Trento' }, { ...event, location: null })).toBe(false);
  });
});

it('displayUrl hides a password and query values, and leaves the rest', () => {
  expect(displayUrl('https://user:pw@hooks.example.com/a?token=abc&x=1')).toBe(
    'https://user:HIDDEN@hooks.example.com/a?token=HIDDEN&x=HIDDEN',
  );
  expect(displayUrl('https://hooks.example.com/alerts')).toBe('https://hooks.example.com/alerts');
});
