import { defineProblem } from '@tk/core';

export class ActiveCardExists extends defineProblem({
  code: 'active_card_exists',
  status: 409,
  title: 'Active card exists',
}) {
  constructor(activeCardId: string) {
    super({
      detail: 'This child already has an active card; block or replace it instead.',
      extensions: { activeCardId },
    });
  }
}

export class CardNotActive extends defineProblem({ code: 'card_not_active', status: 409, title: 'Card not active' }) {
  constructor(status: string) {
    super({ detail: `The card is ${status}; only an active card can be blocked or printed.` });
  }
}

export class CardAlreadyReplaced extends defineProblem({
  code: 'card_already_replaced',
  status: 409,
  title: 'Card already replaced',
}) {
  constructor() {
    super({ detail: 'This card has been replaced already; work with its successor.' });
  }
}

export class CardNotFound extends defineProblem({ code: 'card_not_found', status: 404, title: 'Card not found' }) {
  constructor(detail = 'No card has this number, id or QR code.') {
    super({ detail });
  }
}

export const cardNotFound = () => new CardNotFound();
