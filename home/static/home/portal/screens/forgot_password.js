/* The portal's "forgot_password" screen. */
import { api, formJSON, onSubmit } from "../core.js";

export default function forgot_password() {
  const form = document.getElementById("forgot-password");
  onSubmit(form, async () => {
    await api("/auth/forgot-password", { method: "POST", body: formJSON(form), auth: false });
    form.hidden = true;
    const done = document.getElementById("forgot-done");
    done.hidden = false;
    done.focus();
  });
}
