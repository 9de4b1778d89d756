/* The portal's "product" screen. */
import { config, api, formJSON, onSubmit, humanize, badge, productImage, formatDate, facts, say, requireSignIn, authorizedBlobUrl, downloadFile, gettext, format } from "../core.js";

export default async function product() {
  if (!requireSignIn()) return;
  const section = document.getElementById("product-detail");
  const status = document.getElementById("product-status");
  try {
    const w = (await api("/warranties/" + encodeURIComponent(section.dataset.id))).data;
    document.getElementById("product-title").textContent = w.product.name;
    document.title = w.product.name + " · " + config.brand_name;
    const image = productImage(w.product, "product-image warranty-image");
    document.getElementById("product-image").replaceChildren(...(image ? [image] : []));
    facts(document.getElementById("product-facts"), [
      [gettext("Status"), badge(w.status)], [gettext("Serial number"), w.serial_number],
      [gettext("Product"), w.product.name + " (" + w.product.sku + ")"], [gettext("Category"), w.product.category],
      [gettext("Coverage"), humanize(w.coverage)], [gettext("Purchased"), formatDate(w.purchase_date)],
      [gettext("Covered from"), formatDate(w.warranty_start)], [gettext("Covered until"), formatDate(w.warranty_end)],
      [gettext("Extended"), w.extended ? gettext("Yes") : gettext("No")], [gettext("Retailer"), w.retailer],
      [gettext("Order number"), w.order_number],
    ]);
    const claim = document.getElementById("product-claim");
    claim.href = config.urls.claim_new + "?warranty=" + encodeURIComponent(w.id);
    claim.hidden = w.status !== "active";
    const docs = document.getElementById("product-docs");
    let shown = 0;
    docs.querySelectorAll("[data-skus]").forEach((item) => {
      const skus = item.dataset.skus.split(",").map((s) => s.trim()).filter(Boolean);
      item.hidden = skus.length > 0 && !skus.includes(w.product.sku);
      if (!item.hidden) shown += 1;
    });
    docs.hidden = shown === 0;
    const receipt = document.getElementById("product-receipt");
    if (w.proof_of_purchase) {
      const href = await authorizedBlobUrl(config.api_base + "/media/" + encodeURIComponent(w.proof_of_purchase));
      if (href) {
        receipt.href = href;
        receipt.hidden = false;
      }
    }
    const certificate = document.getElementById("product-certificate");
    const certificateError = document.getElementById("product-certificate-error");
    if (!certificate.dataset.ready) {
      certificate.dataset.ready = "1";
      certificate.addEventListener("click", async () => {
        certificate.disabled = true;
        certificateError.hidden = true;
        try {
          await downloadFile("/warranties/" + encodeURIComponent(w.id) + "/certificate", "warranty-" + w.serial_number + ".pdf");
        } catch (error) {
          if (error.status === 401) return requireSignIn();
          certificateError.textContent = error.status ? error.message : gettext("The certificate could not be downloaded; try again in a moment.");
          certificateError.hidden = false;
        } finally {
          certificate.disabled = false;
        }
      });
    }
    const transfer = document.getElementById("product-transfer");
    transfer.hidden = w.status !== "active";
    if (!transfer.dataset.ready) {
      transfer.dataset.ready = "1";
      onSubmit(transfer, async () => {
        const body = formJSON(transfer);
        await api("/warranties/" + encodeURIComponent(w.id) + "/transfer", { method: "POST", body, idempotent: true });
        transfer.reset();
        const done = transfer.querySelector(".form-status");
        done.textContent = format(gettext("We sent the offer to %(email)s. The warranty moves once they accept it."), { email: body.email });
        done.classList.add("ok");
        done.hidden = false;
      });
    }
    status.replaceChildren();
    section.hidden = false;
  } catch (error) {
    if (error.status === 401) return requireSignIn();
    say(status, error.status === 404 ? gettext("This product is not in your account.") : error.message);
  }
}
