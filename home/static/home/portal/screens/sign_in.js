/* The portal's "sign_in" screen. */
import { config, api, formJSON, onSubmit, go, nextOr, startSession } from "../core.js";

export default function sign_in() {
  const form = document.getElementById("sign-in");
  onSubmit(form, async () => {
    const answer = (await api("/auth/login", { method: "POST", body: formJSON(form), auth: false, cookieSession: true })).data;
    startSession(answer);
    go(nextOr(config.urls.products));
  });
}
