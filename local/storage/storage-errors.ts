/**
 * What can go wrong with a storage request, independent of the API that answers it: the JSON API
 * renders these as GCS JSON errors, the XML API as GCS XML errors.
 */
export type StorageErrorKind =
  | 'bucketNotFound'
  | 'objectNotFound'
  | 'sessionNotFound'
  | 'conditionNotMet'
  | 'notModified'
  | 'invalid'
  | 'required'
  | 'rangeNotSatisfiable'
  | 'entityTooLarge'
  | 'entityTooSmall';

export class StorageError extends Error {
  constructor(
    readonly kind: StorageErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

export const noSuchObject = (bucket: string, name: string): StorageError =>
  new StorageError('objectNotFound', `No such object: ${bucket}/${name}`);

export const noSuchBucket = (): StorageError =>
  new StorageError('bucketNotFound', 'The specified bucket does not exist.');

export const conditionNotMet = (): StorageError =>
  new StorageError('conditionNotMet', 'At least one of the pre-conditions you specified did not hold.');
