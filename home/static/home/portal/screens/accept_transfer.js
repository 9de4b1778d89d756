/* The portal's "accept_transfer" screen. */
import { config, session, api, onSubmit, el, say } from "../core.js";

export default function accept_transfer() {
  const form = document.getElementById("accept-transfer");
  const result = document.getElementById("transfer-result");
  const token = new URLSearchParams(window.location.search).get("token");
  if (!token) {
    form.hidden = true;
    say(result, "This page needs the link from the transfer email.");
    return;
  }
  if (!session.get()) {
    form.hidden = true;
    result.replaceChildren(el("p", {}, el("a", { href: config.urls.sign_in + "?next=" +
      encodeURIComponent(window.location.pathname + window.location.search) }, "Sign in"), " or ",
      el("a", { href: config.urls.sign_up + "?next=" + encodeURIComponent(window.location.pathname +
        window.location.search) }, "create an account"), " first."));
    return;
  }
  onSubmit(form, async () => {
    const warranty = (await api("/warranties/transfers/accept", { method: "POST", body: { token } })).data;
    form.hidden = true;
    result.replaceChildren(el("p", { class: "notice ok" }, "The warranty of your " + warranty.product.name + " is yours now. ",
      el("a", { href: config.urls.products + warranty.id + "/" }, "See it")));
  });
}
