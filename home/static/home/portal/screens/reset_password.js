/* The portal's "reset_password" screen. */
import { session, api, onSubmit, renderChrome } from "../core.js";

export default function reset_password() {
  const form = document.getElementById("reset-password");
  const params = new URLSearchParams(window.location.search);
  const uid = params.get("uid");
  const token = params.get("token");
  if (!uid || !token) {
    form.hidden = true;
    document.getElementById("reset-missing").hidden = false;
    return;
  }
  onSubmit(form, async () => {
    const body = { uid, token, new_password: form.elements.namedItem("new_password").value };
    await api("/auth/reset-password", { method: "POST", body, auth: false });
    session.clear(); // every session of the account was signed out by the reset
    renderChrome();
    form.hidden = true;
    const done = document.getElementById("reset-done");
    done.hidden = false;
    done.focus();
  });
}
