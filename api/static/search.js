/* /search — one box with filters, highlighted snippets, a viewer (scan beside text, page by page), review. */
"use strict";
const REVIEW = {pending: "chờ duyệt", approved: "đã duyệt", rejected: "không đạt"};
const view = {doc: null, texts: [], page: 1, image: null};
let typeNames = {};
let officeNames = {};
const SCOPE = "@scope";  // the office select's "every office of my scope": one office= per code
let scopeCodes = [];

/** Highlights come HTML-escaped with <mark> around the words; keep only those tags. */
const onlyMarks = (html) => String(html).replace(/<(?!\/?mark>)/g, "&lt;");

$("search-form").addEventListener("submit", (e) => { e.preventDefault(); guarded($("search"), "search-msg", search); });

async function search() {
  const p = new URLSearchParams({q: $("q").value.trim(), sort: $("f-sort").value, limit: "20"});
  for (const [id, name] of [["f-owner", "owner"], ["f-type", "document_type"], ["f-procedure", "procedure"], ["f-dossier", "dossier"]]) {
    if ($(id).value.trim()) p.set(name, $(id).value.trim());
  }
  const office = $("f-office").value;
  for (const code of office === SCOPE ? scopeCodes : office ? [office] : []) p.append("office", code);
  const from = parseDate($("f-from").value, "Từ ngày"), to = parseDate($("f-to").value, "Đến ngày");
  if (from) p.set("date_from", from);
  if (to) p.set("date_to", to);
  const r = await api("/api/v1/search?" + p);
  // A big result set is counted over a sample: its total is an estimate (total_exact false).
  const total = `${r.total_exact ? "" : "Khoảng "}${r.total.toLocaleString("vi-VN")}`;
  say("search-msg", `${total} kết quả (${r.took_ms.toFixed(0)} ms).`, r.total ? "ok" : "info");
  $("results").innerHTML = r.hits.map((h) => `<div class="hit">` +
    `<a href="#" class="open-doc" data-id="${esc(h.id)}">${esc(h.title)}</a>` +
    ` <span class="badge">${esc(typeNames[h.document_type] || h.document_type || "chưa rõ loại")}</span>` +
    ` <span class="muted">số hoá ${fmtDate(h.created_at)} · ${esc(h.owner_ids.join(", "))}` +
    ` · <span class="office">${esc(officeNames[h.office] || h.office || "chưa rõ đơn vị")}</span></span>` +
    `<div class="snip">${h.highlights.map(onlyMarks).join(" … ")}</div></div>`).join("");
}

document.addEventListener("click", (e) => {
  const a = e.target.closest("a.open-doc");
  if (!a) return;
  e.preventDefault();
  guarded(null, "search-msg", () => openDocument(a.dataset.id));
});

async function openDocument(id) {
  const d = await api(`/api/v1/documents/${id}`);
  view.doc = d; view.page = 1;
  view.texts = d.text ? d.text.split("\n\f\n") : [];
  $("viewer").hidden = false;
  drawMeta();
  await showPage();
  $("h-viewer").focus();
}
function drawMeta() {
  const d = view.doc, r = d.record;
  $("doc-meta").innerHTML = `<strong>${esc(d.filename)}</strong> · ${esc(d.document_type ? d.document_type.name : "chưa rõ loại")}` +
    `${r.digitization_code ? " · mã " + esc(r.digitization_code) : ""} · ${d.page_count} trang` +
    ` · hồ sơ ${esc(d.dossier_codes.join(", ") || "—")} · trạng thái duyệt: <strong id="review-status">${esc(REVIEW[r.review_status] || r.review_status)}</strong>` +
    `${r.reviewed_by ? ` (${esc(r.reviewed_by)}, ${fmtDate(r.reviewed_at, true)})` : ""}` + noticeList(d.notices);
}
async function showPage() {
  const d = view.doc, n = view.page;
  $("page-label").textContent = `Trang ${n}/${d.page_count}`;
  $("page-prev").disabled = n <= 1; $("page-next").disabled = n >= d.page_count;
  $("page-text").textContent = view.texts[n - 1] || "(trang không có chữ)";
  if (d.status !== "ready") { $("page-image").removeAttribute("src"); say("viewer-msg", "Tài liệu chưa xử lý xong.", "info"); return; }
  const r = await api(`/api/v1/documents/${d.id}/pages/${n}.png?width=900`, {raw: true});
  if (view.image) URL.revokeObjectURL(view.image);
  view.image = URL.createObjectURL(await r.blob());
  $("page-image").src = view.image;
  $("page-image").alt = `Ảnh quét trang ${n} của ${d.filename}`;
}
$("page-prev").addEventListener("click", () => { view.page--; guarded(null, "viewer-msg", showPage); });
$("page-next").addEventListener("click", () => { view.page++; guarded(null, "viewer-msg", showPage); });
document.addEventListener("keydown", (e) => {
  if ($("viewer").hidden || ["INPUT", "SELECT", "TEXTAREA"].includes(e.target.tagName)) return;
  if (e.key === "PageDown" && !$("page-next").disabled) { e.preventDefault(); $("page-next").click(); }
  if (e.key === "PageUp" && !$("page-prev").disabled) { e.preventDefault(); $("page-prev").click(); }
});
$("dl-original").addEventListener("click", (e) => guarded(e.target, "viewer-msg", () => openFile(view.doc.links.original, view.doc.filename)));
$("dl-pdf").addEventListener("click", (e) => guarded(e.target, "viewer-msg",
  () => openFile(view.doc.links.pdf, view.doc.filename.replace(/\.[^.]+$/, "") + ".pdf")));

for (const [id, decision] of [["approve", "approved"], ["reject", "rejected"]]) {
  $(id).addEventListener("click", (e) => guarded(e.target, "viewer-msg", async () => {
    const note = $("review-note").value.trim() || null;
    if (decision === "rejected" && !note) throw new Error("Ghi rõ lý do không đạt.");
    view.doc = await api(`/api/v1/documents/${view.doc.id}/review`, {method: "POST", json: {decision, note}});
    drawMeta();
    say("viewer-msg", decision === "approved" ? "Đã duyệt: giấy tờ được dùng lại cho các hồ sơ sau." : "Đã ghi nhận không đạt.");
  }));
}

/** The office select: the user's own office first (the default), the whole scope for a province
 *  scope, every office (a search of another office's records is audited as such). */
function fillOffices(o) {
  officeNames = Object.fromEntries(o.offices.map((x) => [x.code, x.name]));
  scopeCodes = o.scope;
  const option = (code, label) => `<option value="${esc(code)}">${esc(label)}</option>`;
  const named = (code) => officeNames[code] && officeNames[code] !== code ? `${code} — ${officeNames[code]}` : code;
  const group = (label, inScope) => {
    const items = o.offices.filter((x) => x.code !== o.own && o.scope.includes(x.code) === inScope);
    return items.length ? `<optgroup label="${label}">${items.map((x) => option(x.code, named(x.code))).join("")}</optgroup>` : "";
  };
  $("f-office").innerHTML = (o.own ? option(o.own, `${named(o.own)} (đơn vị của bạn)`) : "") +
    (o.scope.length > 1 ? option(SCOPE, `Tất cả đơn vị trong phạm vi (${o.scope.length} đơn vị)`) : "") +
    option("", "Tất cả đơn vị") + group("Trong phạm vi", true) + group("Đơn vị khác", false);
}

signedIn().then(async () => {
  const [types, offices] = await Promise.all([
    api("/api/v1/catalog/document-types").then((r) => r.document_types), api("/api/v1/search/offices")]);
  fillOffices(offices);
  typeNames = Object.fromEntries(types.map((t) => [t.code, t.name]));
  $("f-type").insertAdjacentHTML("beforeend", types.map((t) => `<option value="${esc(t.code)}">${esc(t.code)} — ${esc(t.name)}</option>`).join(""));
  restoreDraft("search-msg");
  const q = new URLSearchParams(location.search).get("q");
  if (q) { $("q").value = q; guarded($("search"), "search-msg", search); }
}).catch((e) => say("search-msg", e.message, "err"));
