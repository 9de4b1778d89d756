/* The portal's "products" screen. */
import { config, session, el, badge, productImage, formatDate, requireSignIn, pagedList, start, gettext, format } from "../core.js";

function warrantyCard(warranty) {
  const image = productImage(warranty.product, "product-thumb");
  return el("li", { class: image ? "card with-image" : "card" },
    ...(image ? [image] : []),
    el("h2", {}, el("a", { href: config.urls.products + encodeURIComponent(warranty.id) + "/" }, warranty.product.name)),
    el("p", {}, badge(warranty.status)),
    el("p", {}, format(gettext("Serial %(serial)s"), { serial: warranty.serial_number })),
    el("p", {}, format(gettext("Covered until %(date)s"), { date: formatDate(warranty.warranty_end) })),
  );
}

export default async function products() {
  if (!requireSignIn()) return;
  const status = document.getElementById("products-status");
  const current = session.get();
  if (current.user && !current.user.email_verified) {
    status.before(el("p", { class: "notice" }, format(gettext("Confirm your email with the link we sent to %(email)s: products registered with it before you had an account show up here once it is confirmed."), { email: current.user.email })));
  }
  await pagedList({
    path: "/warranties", list: document.getElementById("products-list"), status,
    more: document.getElementById("products-more"), render: warrantyCard,
    empty: gettext("No products yet. Register one to start its warranty."),
  });
}
