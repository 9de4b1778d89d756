/* The portal's "account" screen. */
import { session, api, formJSON, fill, onSubmit, el, say, requireSignIn, renderChrome, loadMe, gettext, format } from "../core.js";

export default async function account() {
  if (!requireSignIn()) return;
  const form = document.getElementById("account");
  const status = document.getElementById("account-status");
  const showPending = (me) => {
    status.replaceChildren();
    if (me.pending_email) say(status, format(gettext("We sent a link to %(email)s; your email changes once you open it."), { email: me.pending_email }));
    else if (!me.email_verified) {
      const resend = el("button", { type: "button", class: "linklike" }, gettext("Send the link again"));
      resend.style.color = "inherit";
      resend.style.textDecoration = "underline";
      resend.addEventListener("click", async () => {
        try {
          await api("/auth/resend-verification", { method: "POST" });
          say(status, format(gettext("A new link is on its way to %(email)s."), { email: me.email }), "ok");
        } catch (error) {
          say(status, error.message);
        }
      });
      status.replaceChildren(el("p", { class: "notice" }, format(gettext("Your email %(email)s is not confirmed yet."), { email: me.email }), " ", resend));
    }
  };
  try {
    const me = await loadMe();
    fill(form, { name: me.name, email: me.email, phone: me.phone, address: me.address, marketing_consent: me.marketing_consent });
    // The brand keeps the choice with the confirmed email: until it is confirmed, it is not offered.
    form.elements.namedItem("marketing_consent").closest(".field").hidden = !me.email_verified;
    showPending(me);
  } catch (error) {
    if (error.status === 401) return requireSignIn();
    return say(status, error.message);
  }
  const passwordForm = document.getElementById("change-password");
  onSubmit(passwordForm, async () => {
    const answer = (await api("/auth/change-password", { method: "POST", body: formJSON(passwordForm), cookieSession: true })).data;
    session.set({ ...session.get(), access: answer.access });
    passwordForm.reset();
    const done = passwordForm.querySelector(".form-status");
    done.textContent = gettext("Your password is changed. Other devices signed in with the old one are signed out.");
    done.classList.add("ok");
    done.hidden = false;
  });
  onSubmit(form, async () => {
    const me = (await api("/auth/me", { method: "PATCH", body: formJSON(form, { keepEmpty: true }) })).data;
    const current = session.get();
    session.set({ ...current, user: me });
    renderChrome();
    fill(form, { email: me.email });
    showPending(me);
    const done = form.querySelector(".form-status");
    done.textContent = gettext("Your details are saved.");
    done.classList.add("ok");
    done.hidden = false;
  });
}
