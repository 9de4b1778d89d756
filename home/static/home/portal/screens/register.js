/* The portal's "register" screen. */
import { config, HANDOVER_KEY, session, api, formJSON, fill, onSubmit, upload, el, humanize, formatDate, loadMe } from "../core.js";

export default async function register() {
  const form = document.getElementById("register");
  const done = document.getElementById("register-done");
  if (session.get()) {
    try {
      const me = await loadMe();
      fill(form, { customer: { name: me.name, email: me.email, phone: me.phone, address: me.address } });
    } catch (e) {
      // Registration needs no account: the form stays as it is.
    }
  }
  onSubmit(form, async () => {
    const body = formJSON(form);
    const proof = form.elements.namedItem("proof_of_purchase");
    if (proof && proof.files.length) {
      const receipt = (await upload(proof, { publicUpload: true }))[0];
      body.proof_of_purchase = receipt.id;
      body.proof_of_purchase_token = receipt.upload_token;
    }
    const warranty = (await api("/warranties", { method: "POST", body, base: config.public_api_base, idempotent: true })).data;
    form.hidden = true;
    const signedIn = Boolean(session.get());
    // The sign-up form of this brand offers what was just typed (this tab only, gone once used).
    if (!signedIn) sessionStorage.setItem(HANDOVER_KEY, JSON.stringify(body.customer || {}));
    done.replaceChildren(
      el("h2", {}, "Your " + warranty.product.name + " is registered"),
      el("p", {}, "Serial " + warranty.serial_number + ": warranty " + humanize(warranty.status).toLowerCase() +
        " until " + formatDate(warranty.warranty_end) + " (" + humanize(warranty.coverage).toLowerCase() + ")."),
      signedIn
        ? el("p", {}, el("a", { href: config.urls.products + warranty.id + "/" }, "See it in your products"))
        : el("p", {}, "We sent a confirmation to " + body.customer.email + ". ",
            el("a", { href: config.urls.sign_up }, "Create an account"), " or ",
            el("a", { href: config.urls.sign_in }, "sign in"),
            " with that email to see your products and file claims."),
    );
    done.hidden = false;
    done.focus();
  });
}
