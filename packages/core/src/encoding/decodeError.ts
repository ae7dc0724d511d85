import { CodedError } from '../errors.ts';

export type DecodeErrorType =
  | { code: 'too-large'; size: number; limit: number }
  | { code: 'malformed'; reason: string }
  | { code: 'non-canonical' }
  | { code: 'trailing-bytes' }
  | { code: 'invalid-field'; path: string; reason: string };

export class DecodeError extends CodedError<DecodeErrorType> {}
