/* The portal's "claim_new" screen. */
import { config, api, showErrors, formJSON, onSubmit, upload, el, humanize, go, requireSignIn } from "../core.js";

export default async function claim_new() {
  if (!requireSignIn()) return;
  const form = document.getElementById("claim-new");
  const select = form.elements.namedItem("warranty_id");
  try {
    // A customer has a handful of products; the first page (up to 100) is all of them in practice.
    const answer = await api("/warranties?limit=100");
    for (const w of answer.data) {
      const option = el("option", { value: w.id }, w.product.name + " · " + w.serial_number + (w.status === "active" ? "" : " (" + humanize(w.status).toLowerCase() + ")"));
      select.append(option);
    }
    if (form.dataset.prefillWarranty) select.value = form.dataset.prefillWarranty;
  } catch (error) {
    if (error.status === 401) return requireSignIn();
    showErrors(form, error);
  }
  onSubmit(form, async () => {
    const body = formJSON(form);
    body.photos = (await upload(form.elements.namedItem("photos"))).map((photo) => photo.id);
    const claim = (await api("/claims", { method: "POST", body, idempotent: true })).data;
    go(config.urls.claims + encodeURIComponent(claim.id) + "/?submitted=1");
  });
}
