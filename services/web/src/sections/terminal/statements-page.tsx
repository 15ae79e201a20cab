/** Abrechnungen: the provider's settlement statements (Gutschriften); placeholder until the settlement UI exists. */
export function StatementsPage() {
  return (
    <section class="card" aria-labelledby="statements-title">
      <h2 id="statements-title">Abrechnungen</h2>
      <p class="placeholder">
        Hier finden Sie bald Ihre Abrechnungen (Gutschriften) mit allen abgerechneten Buchungen als PDF.
      </p>
    </section>
  );
}
