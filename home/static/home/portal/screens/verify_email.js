/* The portal's "verify_email" screen. */
import { config, session, ApiError, api, formJSON, onSubmit, el, say, requireSignIn, renderChrome, gettext, format } from "../core.js";

export default async function verify_email() {
  const result = document.getElementById("verify-result");
  const form = document.getElementById("verify-code");
  const token = new URLSearchParams(window.location.search).get("token");
  const verified = async (user) => {
    const current = session.get();
    if (current && current.user && current.user.id === user.id) session.set({ ...current, user });
    renderChrome();
    result.replaceChildren(
      el("p", { class: "notice ok" }, format(gettext("Thank you: %(email)s is verified. Products you registered with it are now in your account."), { email: user.email })),
      el("p", {}, el("a", { href: current ? config.urls.products : config.urls.sign_in }, current ? gettext("See your products") : gettext("Sign in"))),
    );
    form.hidden = true;
  };
  onSubmit(form, async () => {
    await verified((await api("/auth/verify-email", { method: "POST", body: formJSON(form) })).data);
  });
  if (!token) {
    say(result, gettext("Open the link from the email we sent you, or type its code."));
    form.hidden = !session.get();
    return;
  }
  // The link proves the mailbox, not the account: it works only signed in to the account it is for.
  if (!requireSignIn()) return;
  try {
    await verified((await api("/auth/verify-email", { method: "POST", body: { token } })).data);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    say(result, error.message + " " + gettext("You can ask for a new link from your account page."), "");
    form.hidden = !session.get();
  }
}
