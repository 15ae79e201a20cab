import { Problem } from '@tk/core';

export class ActiveCardExists extends Problem {
  constructor(activeCardId: string) {
    super({
      status: 409,
      code: 'active_card_exists',
      title: 'Active card exists',
      detail: 'This child already has an active card; block or replace it instead.',
      extensions: { activeCardId },
    });
  }
}

export class CardNotActive extends Problem {
  constructor(status: string) {
    super({
      status: 409,
      code: 'card_not_active',
      title: 'Card not active',
      detail: `The card is ${status}; only an active card can be blocked or printed.`,
    });
  }
}

export class CardAlreadyReplaced extends Problem {
  constructor() {
    super({
      status: 409,
      code: 'card_already_replaced',
      title: 'Card already replaced',
      detail: 'This card has been replaced already; work with its successor.',
    });
  }
}

export const cardNotFound = () =>
  new Problem({ status: 404, code: 'card_not_found', title: 'Not found', detail: 'The card was not found.' });
