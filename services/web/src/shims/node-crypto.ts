/**
 * @tk/core's card-number module imports `randomInt` from node:crypto to generate card numbers. The
 * browser only checks and formats card numbers, so this stand-in makes accidental use loud instead
 * of letting Vite substitute an empty module.
 */
export function randomInt(): never {
  throw new Error('randomInt (node:crypto) is not available in the browser');
}
