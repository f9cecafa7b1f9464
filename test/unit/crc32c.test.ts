import { CRC32C } from '@google-cloud/storage';
import { randomBytes } from 'node:crypto';
import { Crc32c } from '../../local/storage/crc32c';

describe('Crc32c (the local storage server’s hash)', () => {
  it('gives the standard check value', () => {
    expect(new Crc32c().update(Buffer.from('123456789')).value()).toBe(0xe3069283);
    expect(new Crc32c().value()).toBe(0);
  });

  it.each([0, 1, 7, 8, 9, 15, 16, 1000, 65_537])(
    'agrees with the Cloud Storage client on %i random bytes, whole and in uneven chunks',
    (size) => {
      const bytes = randomBytes(size);
      const oracle = new CRC32C();
      oracle.update(bytes);
      expect(new Crc32c().update(bytes).toString()).toBe(oracle.toString());
      const chunked = new Crc32c();
      for (let at = 0; at < size; at += 13) chunked.update(bytes.subarray(at, at + 13));
      expect(chunked.toString()).toBe(oracle.toString());
    },
  );
});
