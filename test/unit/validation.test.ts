import { identityKey, parseCredentials, parseRegistration } from '../../functions/src/core/validation';

const fieldsOf = (run: () => unknown): string[] => {
  try {
    run();
  } catch (error) {
    return ((error as { errors: { field: string }[] }).errors ?? []).map((e) => e.field);
  }
  throw new Error('expected a validation error');
};

describe('parseRegistration', () => {
  const valid = { email: ' Ada@Example.com ', username: 'ada.lovelace-1', password: 'correct horse' };

  it('accepts a valid registration and trims the email', () => {
    expect(parseRegistration(valid)).toEqual({
      email: 'Ada@Example.com',
      username: 'ada.lovelace-1',
      password: 'correct horse',
    });
  });

  it.each([
    [{ ...valid, email: 'ada@' }, ['email']],
    [{ ...valid, email: 'ada @example.com' }, ['email']],
    [{ ...valid, email: 'ada@exa\u0000mple.com' }, ['email']],
    [{ ...valid, username: 'ab' }, ['username']],
    [{ ...valid, username: 'a'.repeat(33) }, ['username']],
    [{ ...valid, username: 'ada lovelace' }, ['username']],
    [{ ...valid, username: 'ådå' }, ['username']],
    [{ ...valid, password: 'seven77' }, ['password']],
    [{ ...valid, password: 12345678 }, ['password']],
    [{ ...valid, password: '😀'.repeat(19) }, ['password']], // 76 bytes
    [{ email: valid.email }, ['username', 'password']],
    [{ ...valid, role: 'admin' }, ['role']],
  ])('refuses %j', (input, fields) => {
    expect(fieldsOf(() => parseRegistration(input)).sort()).toEqual([...fields].sort());
  });

  it('counts the password in UTF-8 bytes: 72 is the most', () => {
    expect(parseRegistration({ ...valid, password: '😀'.repeat(18) }).password).toHaveLength(36);
  });

  it.each([null, [], 'text', 42])('refuses a body that is not an object: %j', (input) => {
    expect(fieldsOf(() => parseRegistration(input))).toEqual(['']);
  });
});

describe('parseCredentials', () => {
  it('takes an email or a username in "email"', () => {
    expect(parseCredentials({ email: ' ada ', password: 'x' })).toEqual({ login: 'ada', password: 'x' });
  });
  it('refuses missing fields and non-strings', () => {
    expect(fieldsOf(() => parseCredentials({ email: 1 })).sort()).toEqual(['email', 'password']);
  });
});

describe('identityKey', () => {
  it('folds case and Unicode compatibility forms', () => {
    expect(identityKey('ADA@EXAMPLE.COM')).toBe('ada@example.com');
    expect(identityKey('ａｄａ@example.com')).toBe('ada@example.com');
  });
});
