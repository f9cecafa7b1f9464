import {
  decodeArchiveLink,
  encodeArchiveLink,
  parseArchiveIds,
  uniqueNames,
} from '../../functions/src/core/archive-link';
import { AppError } from '../../functions/src/core/errors';

const SECRET = 'a-secret-long-enough-for-the-tests-0123456789';
const ID = 'AAAAAAAAAAAAAAAAAAAAAA';

describe('archive links', () => {
  const now = new Date('2026-12-08T10:00:00Z');
  const link = encodeArchiveLink(SECRET, { userId: 'u1', ids: [ID], expiresAt: new Date(now.getTime() + 300_000) });

  it('stand for their user and images until they expire', () => {
    expect(decodeArchiveLink(SECRET, link, now)).toEqual({
      userId: 'u1',
      ids: [ID],
      expiresAt: new Date(now.getTime() + 300_000),
    });
    expect(decodeArchiveLink(SECRET, link, new Date(now.getTime() + 300_000))).toBeUndefined();
  });

  it("are nobody's once altered or signed with another key", () => {
    const [payload, sig] = link.split('.');
    const forged = Buffer.from(JSON.stringify(['u2', [ID], now.getTime() + 300_000])).toString('base64url');
    expect(decodeArchiveLink(SECRET, `${forged}.${sig}`, now)).toBeUndefined();
    expect(decodeArchiveLink('another-secret-of-enough-length-0123456789', link, now)).toBeUndefined();
    expect(decodeArchiveLink(SECRET, `${payload}`, now)).toBeUndefined();
  });

  it('takes 1 to 100 image ids, each once', () => {
    expect(parseArchiveIds({ ids: [ID, ID] })).toEqual([ID]);
    for (const bad of [
      { ids: [] },
      { ids: ['x'] },
      { ids: Array(101).fill(ID) },
      { ids: ID },
      { ids: [ID], more: 1 },
      [],
    ])
      expect(() => parseArchiveIds(bad)).toThrow(AppError);
  });

  it('makes names unique, ignoring case, before the extension', () => {
    expect(uniqueNames(['a-nobg.png', 'A-nobg.png', 'b.png', 'a-nobg.png', 'plain'])).toEqual([
      'a-nobg.png',
      'A-nobg (2).png',
      'b.png',
      'a-nobg (3).png',
      'plain',
    ]);
  });
});
