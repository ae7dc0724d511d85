/**
 * One base error for every domain: a discriminated union `{code, ...context}`
 * travels with the error so callers switch on `err.type.code`, never on text.
 */
export class CodedError<T extends { code: string }> extends Error {
  readonly type: T;

  constructor(type: T, message?: string) {
    super(message ?? describe(type));
    this.type = type;
    this.name = new.target.name;
  }

  get code(): T['code'] {
    return this.type.code;
  }
}

function describe(type: { code: string }): string {
  const { code, ...context } = type;
  const parts = Object.entries(context).map(([k, v]) => `${k}=${formatValue(v)}`);
  return parts.length > 0 ? `${code} (${parts.join(', ')})` : code;
}

function formatValue(v: unknown): string {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string') return v;
  return JSON.stringify(v) ?? String(v);
}
