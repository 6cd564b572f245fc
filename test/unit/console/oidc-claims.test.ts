import { userFromClaims } from '../../../src/console/oidc-claims';

const NAMES = { role: 'veesion_role', stores: 'veesion_stores' };

/** What a provider's claims make of a person, and what is refused: nothing is taken unchecked. */
describe("a single sign-on user from the provider's claims", () => {
  it('takes the role, the stores as a list or a comma string, and a display name', () => {
    expect(
      userFromClaims(
        { sub: 'abc-1', name: ' Anna R. ', veesion_role: 'Manager', veesion_stores: ['s1', 's2', 's1'] },
        NAMES,
      ),
    ).toEqual({ name: 'sso:abc-1', displayName: 'Anna R.', role: 'manager', stores: ['s1', 's2'] });
    expect(userFromClaims({ sub: 'b', veesion_role: 'store', veesion_stores: 's1, s2' }, NAMES)).toMatchObject({
      stores: ['s1', 's2'],
      displayName: 'b',
    });
    // Every store only when the provider says so.
    expect(
      userFromClaims({ sub: 'c', email: 'c@example.com', veesion_role: 'manager', veesion_stores: ['*'] }, NAMES),
    ).toMatchObject({ displayName: 'c@example.com', stores: [] });
    // A name is cleaned of what would make it read as another's: a right-to-left override here.
    expect(userFromClaims({ sub: 'f', name: 'Anna\u202eRD', veesion_role: 'admin' }, NAMES)).toMatchObject({
      displayName: 'AnnaRD',
    });
    // An admin covers every store, whatever the claim lists.
    expect(userFromClaims({ sub: 'd', veesion_role: 'admin', veesion_stores: ['s1'] }, NAMES)).toMatchObject({
      stores: [],
    });
    // Claim names are the settings'.
    expect(
      userFromClaims({ sub: 'e', groups_role: 'store', shops: ['s9'] }, { role: 'groups_role', stores: 'shops' }),
    ).toMatchObject({ role: 'store', stores: ['s9'] });
  });

  it('refuses what it cannot read: no role, an unknown role, a store person without stores, odd store ids, no subject', () => {
    const refused = (claims: Record<string, unknown>) => {
      const out = userFromClaims(claims, NAMES);
      return 'refused' in out ? out.refused : undefined;
    };
    expect(refused({ sub: 'a' })).toMatch(/no role for this console: the provider's "veesion_role" claim/);
    expect(refused({ sub: 'a', veesion_role: 'superuser' })).toMatch(/no role/);
    expect(refused({ sub: 'a', veesion_role: ['admin'] })).toMatch(/no role/);
    expect(refused({ sub: 'a', veesion_role: 'store' })).toMatch(/needs its stores/);
    expect(refused({ sub: 'a', veesion_role: 'store', veesion_stores: ['ok', 'not ok'] })).toMatch(
      /not a list of store ids/,
    );
    expect(refused({ sub: 'a', veesion_role: 'manager', veesion_stores: 7 })).toMatch(/not a list of store ids/);
    // A missing or empty list is not every store; numbers are refused, not dropped.
    expect(refused({ sub: 'a', veesion_role: 'manager' })).toMatch(/needs its stores .*"\*" for every store/);
    expect(refused({ sub: 'a', veesion_role: 'manager', veesion_stores: '' })).toMatch(/needs its stores/);
    expect(refused({ sub: 'a', veesion_role: 'manager', veesion_stores: [101, 102] })).toMatch(
      /not a list of store ids/,
    );
    expect(refused({ sub: 'a', veesion_role: 'store', veesion_stores: ['*'] })).toMatch(/named stores/);
    expect(refused({ veesion_role: 'admin' })).toMatch(/no usable subject/);
    expect(refused({ sub: 'a\nb', veesion_role: 'admin' })).toMatch(/no usable subject/);
  });
});
