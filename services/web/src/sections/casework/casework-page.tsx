/** Fallbearbeitung: placeholder until this section is built (see the section's issue). */
export function CaseworkPage() {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Fallbearbeitung</h1>
      <p class="placeholder">Kinder, Bewilligungen und Karten verwalten. Dieser Bereich folgt in Kürze.</p>
    </section>
  );
}
