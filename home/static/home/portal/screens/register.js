/* The portal's "register" screen. */
import { config, HANDOVER_KEY, session, api, formJSON, fill, onSubmit, upload, el, humanize, formatDate, loadMe, gettext, format, compose } from "../core.js";

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
      el("h2", {}, format(gettext("Your %(product)s is registered"), { product: warranty.product.name })),
      el("p", {}, format(gettext("Serial %(serial)s: warranty %(status)s until %(date)s (%(coverage)s)."), {
        serial: warranty.serial_number, status: humanize(warranty.status).toLowerCase(),
        date: formatDate(warranty.warranty_end), coverage: humanize(warranty.coverage).toLowerCase(),
      })),
      signedIn
        ? el("p", {}, el("a", { href: config.urls.products + warranty.id + "/" }, gettext("See it in your products")))
        : el("p", {}, ...compose(gettext("We sent a confirmation to %(email)s. %(sign_up)s or %(sign_in)s with that email to see your products and file claims."), {
          email: body.customer.email,
          sign_up: el("a", { href: config.urls.sign_up }, gettext("Create an account")),
          sign_in: el("a", { href: config.urls.sign_in }, gettext("sign in")),
        })),
      el("p", {}, el("a", { href: config.urls.home + "catalog/" + encodeURIComponent(warranty.product.sku) + "/", id: "register-product-page" },
        format(gettext("About your %(product)s: warranty terms, manuals and answers"), { product: warranty.product.name }))),
    );
    done.hidden = false;
    done.focus();
  });
}
