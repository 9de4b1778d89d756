/* The portal's "accept_transfer" screen. */
import { config, session, api, onSubmit, el, say, gettext, format, compose } from "../core.js";

export default function accept_transfer() {
  const form = document.getElementById("accept-transfer");
  const result = document.getElementById("transfer-result");
  const token = new URLSearchParams(window.location.search).get("token");
  if (!token) {
    form.hidden = true;
    say(result, gettext("This page needs the link from the transfer email."));
    return;
  }
  if (!session.get()) {
    form.hidden = true;
    const next = "?next=" + encodeURIComponent(window.location.pathname + window.location.search);
    result.replaceChildren(el("p", {}, ...compose(gettext("%(sign_in)s or %(sign_up)s first."), {
      sign_in: el("a", { href: config.urls.sign_in + next }, gettext("Sign in")),
      sign_up: el("a", { href: config.urls.sign_up + next }, gettext("create an account")),
    })));
    return;
  }
  onSubmit(form, async () => {
    const warranty = (await api("/warranties/transfers/accept", { method: "POST", body: { token } })).data;
    form.hidden = true;
    result.replaceChildren(el("p", { class: "notice ok" },
      format(gettext("The warranty of your %(product)s is yours now."), { product: warranty.product.name }), " ",
      el("a", { href: config.urls.products + warranty.id + "/" }, gettext("See it"))));
  });
}
