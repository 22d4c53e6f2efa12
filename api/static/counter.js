/* / — counter intake: procedure, citizen, checklist with reuse, uploads per component, finish. */
"use strict";
const state = {procedure: null, owner: null, dossier: null, checklist: null, types: [], files: {}};
const ACCEPT = ".pdf,.jpg,.jpeg,.png,.tif,.tiff,application/pdf,image/*";

/* ---- 1. procedure: search as you type (code or name words, diacritics optional) ---- */
const box = $("procedure"), list = $("procedure-list");
let options = [], active = -1, typing = null;

box.addEventListener("input", () => {
  clearTimeout(typing);
  typing = setTimeout(() => findProcedures(box.value), 150);
});
box.addEventListener("keydown", (e) => {
  if (e.key === "ArrowDown" || e.key === "ArrowUp") {
    e.preventDefault();
    if (!options.length) return;
    active = (active + (e.key === "ArrowDown" ? 1 : options.length - 1)) % options.length;
    drawOptions();
  } else if (e.key === "Enter") {
    e.preventDefault();
    if (options.length) pickProcedure(options[Math.max(active, 0)]);
  } else if (e.key === "Escape") { closeOptions(); }
});
list.addEventListener("mousedown", (e) => {
  const li = e.target.closest("li[data-i]");
  if (li) { e.preventDefault(); pickProcedure(options[+li.dataset.i]); }
});
box.addEventListener("blur", () => setTimeout(closeOptions, 100));

async function findProcedures(q) {
  try {
    const r = await api("/api/v1/catalog/procedures?" + new URLSearchParams({q: q.trim(), limit: "15"}));
    options = r.procedures; active = options.length ? 0 : -1;
    drawOptions();
    if (!options.length) say("procedure-picked", "Không có thủ tục nào khớp với từ đã gõ.", "err");
    else if (!state.procedure) say("procedure-picked", `${options.length} thủ tục phù hợp — dùng ↑ ↓ và Enter để chọn.`, "info");
  } catch (e) { say("procedure-picked", e.message, "err"); }
}
function drawOptions() {
  list.innerHTML = options.map((p, i) => `<li role="option" id="opt-${i}" data-i="${i}" aria-selected="${i === active}">` +
    `<strong>${esc(p.code)}</strong> — ${esc(p.name)}</li>`).join("");
  list.hidden = !options.length;
  box.setAttribute("aria-expanded", String(!list.hidden));
  if (active >= 0) { box.setAttribute("aria-activedescendant", `opt-${active}`); $(`opt-${active}`).scrollIntoView({block: "nearest"}); }
  else box.removeAttribute("aria-activedescendant");
}
function closeOptions() { list.hidden = true; box.setAttribute("aria-expanded", "false"); box.removeAttribute("aria-activedescendant"); }
function pickProcedure(p) {
  state.procedure = p; closeOptions();
  box.value = `${p.code} — ${p.name}`;
  const mandatory = p.components.filter((c) => c.mandatory).length;
  say("procedure-picked", `Đã chọn ${p.code}: ${p.name}. Thời hạn giải quyết ${p.processing_days ?? "?"} ngày làm việc; ` +
      `${p.components.length} thành phần (${mandatory} bắt buộc).`);
  ready();
  $("citizen").focus();
}

/* ---- 2. citizen: personal ID or social-insurance code, and what the archive holds ---- */
$("citizen-form").addEventListener("submit", (e) => { e.preventDefault(); guarded($("citizen-find"), "citizen-info", lookUp); });
$("citizen").addEventListener("input", () => { state.owner = null; ready(); });

function citizenCode() {
  const code = $("citizen").value.replace(/\s/g, "");
  if (!/^(\d{12}|\d{10})$/.test(code)) throw new Error("Số định danh gồm 12 chữ số, mã số BHXH gồm 10 chữ số.");
  return code;
}
async function lookUp() {
  const code = citizenCode();
  state.owner = {code, known: false};
  try {
    const owner = await api(`/api/v1/owners/${code}`);
    const papers = await api(`/api/v1/owners/${code}/reusable`);
    state.owner = {code, known: true};
    if (owner.full_name) $("full-name").value = owner.full_name;
    const items = papers.map((d) => `<li>${esc(typeName(d.document_type_code) || d.filename)}` +
      `${d.record.digitization_code ? " · " + esc(d.record.digitization_code) : ""}` +
      `${d.record.valid_until ? " · hiệu lực đến " + fmtDate(d.record.valid_until) : ""}</li>`).join("");
    $("citizen-info").className = "msg"; $("citizen-info").removeAttribute("role");
    $("citizen-info").innerHTML = `<strong>${esc(owner.full_name || "(chưa có họ tên)")}</strong> — ` +
      `số định danh ${esc(owner.personal_id || "—")}, mã số BHXH ${esc(owner.social_insurance_code || "—")}.<br>` +
      `Kho lưu trữ có ${owner.documents} giấy tờ, ${owner.dossiers.length} hồ sơ; ${papers.length} giấy tờ đã duyệt dùng lại được` +
      (items ? `:<ul id="owner-papers">${items}</ul>` : ".");
  } catch (e) {
    if (e.code !== "owner_not_found") throw e;
    say("citizen-info", "Chưa có trong kho lưu trữ — hồ sơ sẽ tạo công dân mới. Nhập họ và tên.", "info");
    $("full-name").focus();
  }
  ready();
  if (state.owner.known) $("open").focus();
}
function ready() { $("open").disabled = !(state.procedure && state.owner) || !!state.dossier; }

/* ---- 3. open the dossier: its checklist with the owner's reusable papers ---- */
$("open").addEventListener("click", () => guarded($("open"), "open-msg", async () => {
  const code = state.owner.code, owner = {full_name: $("full-name").value.trim() || null};
  owner[code.length === 12 ? "personal_id" : "social_insurance_code"] = code;
  const d = await api("/api/v1/dossiers", {method: "POST",
    json: {procedure_code: state.procedure.code, channel: $("channel").value, linked: $("linked").value === "true", owner}});
  state.dossier = d;
  say("open-msg", `Đã mở hồ sơ ${d.code}.`);
  $("dossier-head").innerHTML = `Hồ sơ <strong id="dossier-code">${esc(d.code)}</strong> — ${esc(d.procedure_name)}. ` +
    `Tiếp nhận ${fmtDate(d.received_at, true)}${d.linked ? " theo cơ chế một cửa liên thông" : ""}.`;
  drawChecklist(d.checklist);
  $("finish").hidden = false;
  const first = document.querySelector("#checklist button, #checklist input");
  if (first) first.focus();
}).then(ready));

async function refreshChecklist() { drawChecklist(await api(`/api/v1/dossiers/${state.dossier.code}/checklist`)); }

function sourceText(s) {
  if (!s || !s.dossier_code) return "";
  return ` từ hồ sơ ${esc(s.dossier_code)}${s.kind === "result" ? " (kết quả giải quyết)" : ""}`;
}
function drawChecklist(c) {
  state.checklist = c;
  const missing = new Set(c.missing_mandatory);
  $("checklist").hidden = false;
  $("checklist").tBodies[0].innerHTML = c.items.map((i) => {
    const code = esc(i.component_code);
    const reused = i.attached.filter((a) => a.reused), national = i.attached.filter((a) => a.from_national_store);
    const scanned = i.attached.filter((a) => !a.reused && !a.from_national_store);
    let have = reused.map((a) => `Đã dùng lại ${esc(a.document.filename)}${sourceText(a.source)}`);
    have = have.concat(national.map((a) => `Lấy từ Kho DLQG: ${esc(a.document.filename)}`));
    if (scanned.length) have.push(`Đã quét ${scanned.length} tệp`);
    const offers = i.attached.length ? "" : i.candidates.map((k) =>
      `<button type="button" class="small reuse" data-doc="${esc(k.document_id)}" data-component="${code}">` +
      `Đã có — dùng lại ${esc(k.digitization_code || k.filename)}</button>` +
      `<div class="muted">${k.issue_date ? "cấp " + fmtDate(k.issue_date) : ""}${sourceText(k.source)}</div>`).join("") +
      (c.national_store && i.reusable ? `<button type="button" class="small national" data-component="${code}" ` +
        `data-type="${esc(i.document_type_code)}">Lấy từ Kho dữ liệu quốc gia</button>` : "");
    const status = have.length ? have.join("<br>") : (missing.has(i.component_code) ? "Còn thiếu (bắt buộc)" : "Chưa có");
    return `<tr id="item-${code}" class="${missing.has(i.component_code) ? "missing" : i.attached.length ? "done" : ""}">` +
      `<td>${esc(i.name)} ${i.mandatory ? '<span class="badge req">bắt buộc</span>' : ""}` +
      `<div class="muted">${esc(i.document_type_name || i.document_type_code)}</div></td>` +
      `<td class="state">${status}${offers}</td>` +
      `<td><div class="drop" data-component="${code}">` +
      `<label class="filebtn">Chọn tệp<input type="file" class="visually-hidden pick" multiple accept="${ACCEPT}" data-component="${code}" aria-label="Chọn tệp quét cho: ${esc(i.name)}"></label> ` +
      `<label class="filebtn">Chụp ảnh<input type="file" class="visually-hidden pick" accept="image/*" capture="environment" data-component="${code}" aria-label="Chụp ảnh cho: ${esc(i.name)}"></label>` +
      `<span class="muted"> hoặc kéo thả tệp vào đây</span>` +
      `<div class="files" id="files-${code}"></div></div></td></tr>`;
  }).join("");
  for (const [component, entries] of Object.entries(state.files)) for (const f of entries) drawFile(component, f);
  const m = c.missing_mandatory.length;
  say("checklist-msg", `Dùng lại ${c.reuse.reused}/${c.reuse.components} thành phần. ` +
      (m ? `Còn thiếu ${m} thành phần bắt buộc.` : "Đủ các thành phần bắt buộc."), m ? "info" : "ok");
}

document.addEventListener("click", (e) => {
  const b = e.target.closest("button.reuse");
  if (!b) return;
  guarded(b, "checklist-msg", async () => {
    await api(`/api/v1/dossiers/${state.dossier.code}/components/reuse`, {method: "POST",
      json: {document_id: b.dataset.doc, component_code: b.dataset.component}});
    await refreshChecklist();
    say("checklist-msg", "Đã dùng lại giấy tờ đã có, không cần quét lại.");
  });
});
/* A missing paper taken from the national data store: offered only when the service has one, and only
   for papers kept across dossiers (a form or a bill is handed in new and is in no national store). */
document.addEventListener("click", (e) => {
  const b = e.target.closest("button.national");
  if (!b) return;
  guarded(b, "checklist-msg", async () => {
    await api(`/api/v1/dossiers/${state.dossier.code}/components/national-store`, {method: "POST",
      json: {document_type_code: b.dataset.type, component_code: b.dataset.component}});
    await refreshChecklist();
    say("checklist-msg", "Đã lấy giấy tờ từ Kho dữ liệu quốc gia, không cần quét.");
  });
});
document.addEventListener("change", (e) => {
  const input = e.target.closest("input.pick");
  if (input && input.files.length) { upload(input.dataset.component, [...input.files]); input.value = ""; }
  const again = e.target.closest("input.rescan-pick");
  if (again && again.files.length) upload(again.dataset.component, [again.files[0]], findFile(again.dataset.key)[1]);
});

/** A rescan accepted: the warned scan comes off the dossier (it stays in the archive) and off the list. */
async function replaced(component, old, fresh) {
  if (fresh.id === old.id) throw new Error(`Tệp quét lại giống hệt ${old.filename}; hãy quét lại bản rõ hơn.`);
  await api(`/api/v1/dossiers/${state.dossier.code}/components/${encodeURIComponent(old.id)}?reason=rescanned`, {method: "DELETE"});
  state.files[component] = state.files[component].filter((f) => f !== old);
  const el = $(`file-${old.key}`);
  if (el) el.remove();
  await refreshChecklist();
  say("checklist-msg", `Đã thay ${old.filename} bằng bản quét lại ${fresh.filename}.`);
}
for (const kind of ["dragenter", "dragover"]) document.addEventListener(kind, (e) => {
  const zone = e.target.closest && e.target.closest(".drop");
  if (zone) { e.preventDefault(); zone.classList.add("over"); }
});
document.addEventListener("dragleave", (e) => { const z = e.target.closest && e.target.closest(".drop"); if (z) z.classList.remove("over"); });
document.addEventListener("drop", (e) => {
  const zone = e.target.closest && e.target.closest(".drop");
  if (!zone) return;
  e.preventDefault(); zone.classList.remove("over");
  if (e.dataTransfer.files.length) upload(zone.dataset.component, [...e.dataTransfer.files]);
});

/* ---- uploads: one entry per file, uploading → OCR page k/n → done, then the proposed type ---- */
let serial = 0;
function upload(component, files, replacing = null) {
  const entries = files.map((f) => ({key: `u${++serial}`, filename: f.name, phase: "uploading", percent: 0}));
  (state.files[component] = state.files[component] || []).push(...entries);
  entries.forEach((f) => drawFile(component, f));
  const form = new FormData();
  files.forEach((f) => form.append("files", f));
  form.append("component_code", component);
  const xhr = new XMLHttpRequest();
  xhr.open("POST", `/api/v1/dossiers/${state.dossier.code}/components`);
  xhr.setRequestHeader("Authorization", "Bearer " + token());
  xhr.upload.onprogress = (e) => { if (e.lengthComputable) entries.forEach((f) => { f.percent = Math.round(100 * e.loaded / e.total); drawFile(component, f); }); };
  xhr.onerror = () => entries.forEach((f) => { f.phase = "failed"; f.error = "Mất kết nối khi tải lên. Thử lại."; drawFile(component, f); });
  xhr.onload = () => {
    let body = {};
    try { body = JSON.parse(xhr.responseText); } catch (_) { /* not JSON */ }
    if (xhr.status === 401) { toLogin(body.message); return; }
    if (xhr.status !== 202) {
      entries.forEach((f) => { f.phase = "failed"; f.error = new ApiError(xhr.status, body).message; drawFile(component, f); });
      return;
    }
    body.documents.forEach((d, i) => {
      const f = entries[i];
      Object.assign(f, {phase: "ocr", id: d.id, duplicate: d.duplicate, done: 0, pages: d.page_count});
      drawFile(component, f); watch(component, f);
    });
    (replacing ? replaced(component, replacing, entries[0]) : refreshChecklist())
      .catch((e) => say("checklist-msg", e.message, "err"));
  };
  xhr.send(form);
}

async function watch(component, f) {
  try {
    const d = await api(`/api/v1/documents/${f.id}`);
    f.doc = d; f.done = d.progress.pages_done; f.pages = d.progress.page_count;
    f.phase = d.status === "ready" ? "done" : d.status === "failed" ? "failed" : "ocr";
    if (d.error) f.error = d.error.message;
    drawFile(component, f);
    if (f.phase === "ocr") setTimeout(() => watch(component, f), 700);
  } catch (e) { f.phase = "failed"; f.error = e.message; drawFile(component, f); }
}

function drawFile(component, f) {
  const host = $(`files-${component}`);
  if (!host) return;
  let el = $(`file-${f.key}`);
  if (!el) { el = document.createElement("div"); el.id = `file-${f.key}`; el.className = "file"; host.appendChild(el); }
  let html = `<strong>${esc(f.filename)}</strong> `;
  if (f.phase === "uploading") html += `<span class="phase">Đang tải lên ${f.percent}%</span> <progress max="100" value="${f.percent}" aria-label="Tải lên"></progress>`;
  else if (f.phase === "ocr") html += `<span class="phase">Đang nhận dạng trang ${f.done}/${f.pages || "?"}</span> ` +
    `<progress max="${f.pages || 1}" value="${f.done}" aria-label="Nhận dạng"></progress>`;
  else if (f.phase === "failed") html += `<span class="phase err" role="alert">Lỗi: ${esc(f.error || "không xử lý được tệp")}</span>`;
  else html += `<span class="phase ok">Xong (${f.pages} trang)</span>` + notices(component, f) + typeChooser(f);
  if (f.duplicate) html += `<div class="muted">Tệp này đã được số hoá trước đây cho công dân này.</div>`;
  el.innerHTML = html;
}

/** The document's warnings as the server words them, and a rescan where a new scan would cure one. */
function notices(component, f) {
  const found = f.doc.notices || [];
  if (!found.length) return "";
  return noticeList(found) +
    (found.some((n) => n.rescan) ? `<label class="filebtn rescan">Quét lại<input type="file" class="visually-hidden rescan-pick" ` +
      `accept="${ACCEPT}" data-component="${esc(component)}" data-key="${f.key}" aria-label="Quét lại: ${esc(f.filename)}"></label>` : "");
}

function typeChooser(f) {
  const d = f.doc, proposal = d.document_type;
  if (d.record.type_status === "confirmed") return `<div class="ok type-confirmed">Loại giấy tờ: ${esc(proposal ? proposal.name : d.document_type_code)} (đã xác nhận)</div>`;
  const pct = proposal && proposal.confidence != null ? ` — độ tin cậy ${Math.round(proposal.confidence * 100)}%` : "";
  const opts = state.types.map((t) => `<option value="${esc(t.code)}"${proposal && proposal.code === t.code ? " selected" : ""}>${esc(t.code)} — ${esc(t.name)}</option>`).join("");
  return `<div class="type-proposal">Đề xuất: <strong>${esc(proposal ? proposal.name : "chưa nhận ra loại")}</strong>${pct}` +
    `${d.needs_review ? ' <span class="badge req">cần xác nhận</span>' : ""}` +
    `<div class="row"><div><label for="type-${f.key}">Loại giấy tờ</label><select id="type-${f.key}">` +
    `${proposal ? "" : '<option value="">— chọn loại —</option>'}${opts}</select></div>` +
    `<button type="button" class="small confirm-type" data-key="${f.key}">Xác nhận loại</button></div>` +
    `<div class="msg" id="type-msg-${f.key}"></div></div>`;
}

document.addEventListener("click", (e) => {
  const b = e.target.closest("button.confirm-type");
  if (!b) return;
  const [component, f] = findFile(b.dataset.key);
  guarded(b, `type-msg-${f.key}`, async () => {
    const code = $(`type-${f.key}`).value;
    if (!code) throw new Error("Chọn loại giấy tờ trước khi xác nhận.");
    f.doc = await api(`/api/v1/documents/${f.id}/type`, {method: "POST", json: {code}});
    drawFile(component, f);
  });
});
function findFile(key) {
  for (const [component, entries] of Object.entries(state.files)) for (const f of entries) if (f.key === key) return [component, f];
  return [null, null];
}

/* ---- finish: every mandatory component present, then the due date and the receipt ---- */
$("finish").addEventListener("click", () => guarded($("finish"), "finish-box", async () => {
  await refreshChecklist();
  const c = state.checklist;
  if (c.missing_mandatory.length) {
    const names = c.items.filter((i) => c.missing_mandatory.includes(i.component_code)).map((i) => i.name);
    throw new Error("Chưa thể hoàn tất: còn thiếu " + names.join("; ") + ".");
  }
  const all = Object.values(state.files).flat();
  if (all.some((f) => f.phase === "uploading" || f.phase === "ocr")) throw new Error("Còn tệp đang tải lên hoặc đang nhận dạng. Vui lòng chờ.");
  const unconfirmed = all.filter((f) => f.phase === "done" && f.doc.record.type_status !== "confirmed");
  if (unconfirmed.length) throw new Error("Xác nhận loại giấy tờ cho: " + unconfirmed.map((f) => f.filename).join(", ") + ".");
  const d = await api(`/api/v1/dossiers/${state.dossier.code}`);
  const box = $("finish-box");
  box.className = "msg summary"; box.setAttribute("role", "status");
  box.innerHTML = `<div>Đã tiếp nhận hồ sơ <strong>${esc(d.code)}</strong> (${d.components.length} thành phần, dùng lại ${d.reuse.reused}).</div>` +
    `<div>Ngày hẹn trả kết quả: <strong id="due-date">${d.due_at ? fmtDate(d.due_at) : "chưa xác định"}</strong></div>` +
    `<button type="button" id="receipt">In phiếu tiếp nhận</button> <button type="button" id="next-citizen" class="secondary">Tiếp nhận hồ sơ mới</button>` +
    `<div id="receipt-msg" class="msg"></div>`;
  $("receipt").focus();
}));
document.addEventListener("click", (e) => {
  if (e.target.id === "next-citizen") location.assign("/");
  if (e.target.id !== "receipt") return;
  const code = state.dossier.code;
  guarded(e.target, "receipt-msg", async () => {
    await openFile(`/api/v1/dossiers/${code}/receipt`, `phieu-tiep-nhan-${code}.pdf`);
    say("receipt-msg", "Đã tải phiếu tiếp nhận.");
  });
});

const typeName = (code) => (state.types.find((t) => t.code === code) || {}).name || code;

signedIn().then(async () => { state.types = (await api("/api/v1/catalog/document-types")).document_types; })
  .catch((e) => say("procedure-picked", e.message, "err"));
