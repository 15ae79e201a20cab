/** Buchhaltung: placeholder until this section is built (see the section's issue). */
export function AccountingPage() {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Buchhaltung</h1>
      <p class="placeholder">Abrechnungsläufe, Prüfung und Freigabe, Zahlungsdateien. Dieser Bereich folgt in Kürze.</p>
    </section>
  );
}
