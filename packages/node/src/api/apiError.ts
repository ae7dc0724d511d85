/** HTTP status for each API error code; anything unlisted is a 400. */
const STATUS: Record<string, number> = {
  'not-found': 404,
  'mempool-full': 503,
  overloaded: 503,
  unavailable: 503,
  'not-ready': 503,
  'payload-too-large': 413,
  internal: 500,
};

export class ApiError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, message: string, status?: number) {
    super(message);
    this.code = code;
    this.status = status ?? STATUS[code] ?? 400;
  }
}

export function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}
