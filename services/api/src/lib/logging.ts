/**
 * Log redaction (pino paths). Tokens, passwords and personal data never reach the logs; request
 * bodies are not logged at all, these paths catch what a developer might log by hand.
 */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  '*.password',
  '*.passwordHash',
  '*.token',
  '*.qrToken',
  '*.code',
  '*.cardNumber',
  '*.givenName',
  '*.familyName',
  '*.birthDate',
  '*.iban',
  '*.accountHolder',
  'body',
];
