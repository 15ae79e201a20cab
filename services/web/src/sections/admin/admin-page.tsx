/** Verwaltung: placeholder until this section is built (see the section's issue). */
export function AdminPage() {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Verwaltung</h1>
      <p class="placeholder">Anbieter und Benutzer verwalten. Dieser Bereich folgt in Kürze.</p>
    </section>
  );
}
