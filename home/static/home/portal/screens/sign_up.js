/* The portal's "sign_up" screen. */
import { config, HANDOVER_KEY, api, formJSON, fill, onSubmit, go, nextOr, startSession } from "../core.js";

export default function sign_up() {
  const form = document.getElementById("sign-up");
  try {
    fill(form, JSON.parse(sessionStorage.getItem(HANDOVER_KEY)) || {});
    const address = form.querySelector("details.optional-address");
    if (address && Array.from(address.querySelectorAll("input"), (i) => i.value).some(Boolean)) address.open = true;
  } catch (e) {
    // Nothing handed over: the form stays empty.
  }
  onSubmit(form, async () => {
    const answer = (await api("/auth/register", { method: "POST", body: formJSON(form), auth: false, cookieSession: true })).data;
    sessionStorage.removeItem(HANDOVER_KEY);
    startSession(answer);
    go(nextOr(config.urls.products + "?welcome=1"));
  });
}
