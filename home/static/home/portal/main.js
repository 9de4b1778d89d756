/* The portal's entry module: starts the shared frame, then the module of this page's screen (screens/<name>.js). */
import { start } from "./core.js";

const SCREENS = new Set([
  "register", "sign_up", "sign_in", "forgot_password", "reset_password", "verify_email", "accept_transfer",
  "accept_invitation", "products", "product", "claims", "claim_new", "claim", "account", "catalog_product",
]);

async function loadScreen(name) {
  if (!SCREENS.has(name)) return null; // the home page, documentation and the 404 have no screen of their own
  return (await import("./screens/" + name + ".js")).default;
}

start(loadScreen);
