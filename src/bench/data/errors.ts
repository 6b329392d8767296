// Errors of the data-set loader: a missing, damaged or wrong data file. Each message names
// the file or the places looked at, what is wrong, and what to do about it.

export class DataError extends Error {
  override name = 'DataError';
}
