/* The public product page: a signed-in owner who scanned their own registered unit goes on to its warranty. */
import { session, api, config } from "../core.js";

export default async function catalogProduct() {
  const notice = document.querySelector("[data-scanned-serial]");
  if (!notice || !session.get()) return;
  try {
    const mine = (await api("/warranties?limit=100")).data;
    const own = mine.find((warranty) => warranty.serial_number === notice.dataset.scannedSerial);
    if (own) window.location.replace(config.urls.products + own.id + "/");
  } catch (error) {
    // The page stays as it is: it already tells the owner where the unit is.
  }
}
