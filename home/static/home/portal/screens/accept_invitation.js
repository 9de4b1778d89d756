/* The portal's "accept_invitation" screen. */
import { config, api, onSubmit, el, say, gettext, format } from "../core.js";

export default function accept_invitation() {
  const form = document.getElementById("accept-invitation");
  const result = document.getElementById("invitation-result");
  const token = new URLSearchParams(window.location.search).get("token");
  if (!token) {
    form.hidden = true;
    say(result, gettext("This page needs the link from the invitation email."));
    return;
  }
  // Accepting is a decision: it waits for the button (a mail scanner opening the link accepts nothing).
  onSubmit(form, async () => {
    const answer = (await api("/auth/accept-invitation", { method: "POST", body: { token }, auth: false })).data;
    form.hidden = true;
    result.replaceChildren(el("p", { class: "notice ok" }, format(gettext("%(email)s is now on the %(brand)s team as %(role)s."),
      { email: answer.email, brand: config.brand_name, role: answer.role })));
  });
}
