/** JSON schemas shared by API routes. */

export const TX_HEX = { type: 'string', pattern: '^([0-9a-f]{2})+$', maxLength: 65536 } as const;

/** Body schema of every endpoint that takes one transaction as `{"tx": hex}`. */
export const singleTxBody = {
  type: 'object',
  additionalProperties: false,
  required: ['tx'],
  properties: { tx: TX_HEX },
} as const;
