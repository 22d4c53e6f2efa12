/* /dossiers — the register's worklist and a dossier's transitions. Built against the planned register
   routes (GET /api/v1/dossiers?status=&assignee=&overdue=, POST /api/v1/dossiers/{code}/transitions);
   until the server has them, the page says so instead of failing. */
"use strict";
const STATES = {received: "Mới tiếp nhận", in_progress: "Đang giải quyết", supplement_requested: "Chờ bổ sung",
  resolved: "Đã giải quyết", returned: "Trả lại"};
const MISSING = "Máy chủ chưa có sổ theo dõi hồ sơ (chức năng đang được xây dựng); danh sách sẽ hiện khi được cài đặt.";
let current = null;

$("work-form").addEventListener("submit", (e) => { e.preventDefault(); guarded($("work-load"), "work-msg", load); });

async function load() {
  const p = new URLSearchParams();
  if ($("w-status").value) p.set("status", $("w-status").value);
  if ($("w-mine").value === "me") p.set("assignee", ME.username);
  if ($("w-overdue").value) p.set("overdue", "true");
  let rows;
  try { rows = await api("/api/v1/dossiers?" + p); }
  catch (e) { if (e.status === 404 || e.status === 405) { say("work-msg", MISSING, "info"); return; } throw e; }
  const items = Array.isArray(rows) ? rows : (rows.items || []);
  say("work-msg", `${items.length} hồ sơ.`);
  $("worklist").innerHTML = items.length ? `<table><thead><tr><th scope="col">Mã hồ sơ</th><th scope="col">Thủ tục</th>` +
    `<th scope="col">Trạng thái</th><th scope="col">Hẹn trả</th></tr></thead><tbody>` + items.map((d) =>
    `<tr${d.overdue ? ' class="missing"' : ""}><td><a href="#" class="open" data-code="${esc(d.code)}">${esc(d.code)}</a></td>` +
    `<td>${esc(d.procedure_code)}</td><td>${esc(STATES[d.status] || d.status)}${d.overdue ? " — quá hạn" : ""}</td>` +
    `<td>${fmtDate(d.due_at)}</td></tr>`).join("") + "</tbody></table>" : "";
}

document.addEventListener("click", (e) => {
  const a = e.target.closest("a.open");
  if (!a) return;
  e.preventDefault();
  guarded(null, "work-msg", () => show(a.dataset.code));
});

$("code-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const code = $("d-code").value.trim();
  if (!code) { say("work-msg", "Nhập mã hồ sơ.", "err"); return; }
  guarded($("d-open"), "work-msg", () => show(code));
});

async function show(code) {
  const d = await api(`/api/v1/dossiers/${encodeURIComponent(code)}`);
  current = d;
  $("dossier").hidden = false;
  $("h-dossier").textContent = `Hồ sơ ${d.code}`;
  $("dossier-body").innerHTML = `<p>${esc(d.procedure_name)} · ${esc(d.owner ? d.owner.full_name || "" : "")} · ` +
    `tiếp nhận ${fmtDate(d.received_at, true)} · hẹn trả ${fmtDate(d.due_at)} · ${esc(STATES[d.status] || d.status)}</p>` +
    `<ul>${d.components.map((c) => `<li>${esc(c.component_code || "")}: ${esc(c.document.filename)}${c.reused ? " (dùng lại)" : ""}</li>`).join("")}</ul>`;
  const procedure = await api(`/api/v1/catalog/procedures/${encodeURIComponent(d.procedure_code)}`);
  $("r-code").innerHTML = procedure.results.map((r) => `<option value="${esc(r.code)}">${esc(r.code)} — ${esc(r.name)}</option>`).join("");
  await showResults();
  $("h-dossier").focus();
}

async function showResults() {
  const rows = await api(`/api/v1/dossiers/${encodeURIComponent(current.code)}/results`);
  $("results").innerHTML = rows.length ? `<table><thead><tr><th scope="col">Mã kết quả</th><th scope="col">Số, ký hiệu</th>` +
    `<th scope="col">Ngày ký</th><th scope="col">Mã số hoá</th><th scope="col">Trả cho công dân</th></tr></thead><tbody>` +
    rows.map((r) => `<tr><td>${esc(r.result_code)}</td><td>${esc(r.document_number || "")}</td><td>${fmtDate(r.issue_date)}</td>` +
      `<td>${esc(r.digitization_code || "")}</td><td>${r.handed_over_at ? `${fmtDate(r.handed_over_at, true)} (${esc(r.handed_over_by)})`
        : `<button type="button" class="small handover" data-id="${r.id}">Đã trả kết quả</button>`}</td></tr>`).join("") + "</tbody></table>"
    : `<p class="muted">Chưa có kết quả.</p>`;
}

$("result-form").addEventListener("submit", (e) => {
  e.preventDefault();
  guarded($("r-attach"), "result-msg", async () => {
    const file = $("r-file").files[0];
    if (!file) throw new Error("Chọn tệp kết quả.");
    const form = new FormData();
    form.append("file", file); form.append("result_code", $("r-code").value);
    if ($("r-number").value.trim()) form.append("document_number", $("r-number").value.trim());
    const issued = parseDate($("r-issued").value, "Ngày ký");
    if (issued) form.append("issue_date", issued);
    await api(`/api/v1/dossiers/${encodeURIComponent(current.code)}/results`, {method: "POST", form});
    $("r-file").value = ""; $("r-file").dispatchEvent(new Event("change"));
    say("result-msg", "Đã đính kèm kết quả; bản số hoá đang được xử lý.");
    await showResults();
  });
});
document.addEventListener("click", (e) => {
  const b = e.target.closest("button.handover");
  if (!b) return;
  guarded(b, "result-msg", async () => {
    await api(`/api/v1/dossiers/${encodeURIComponent(current.code)}/results/${b.dataset.id}/handover`, {method: "POST"});
    say("result-msg", "Đã ghi nhận trả kết quả cho công dân."); await showResults();
  });
});

$("t-go").addEventListener("click", (e) => guarded(e.target, "dossier-msg", async () => {
  const action = $("t-action").value, reason = $("t-reason").value.trim() || null;
  if ((action === "request_supplement" || action === "return") && !reason) throw new Error("Ghi rõ lý do.");
  try { await api(`/api/v1/dossiers/${encodeURIComponent(current.code)}/transitions`, {method: "POST", json: {action, reason}}); }
  catch (err) { if (err.status === 404 && err.code === "not_found") throw new Error(MISSING); throw err; }
  say("dossier-msg", "Đã chuyển bước.");
  await show(current.code);
}));

const params = new URLSearchParams(location.search);
signedIn().then(() => (params.get("code") ? show(params.get("code")) : load())).catch((e) => say("work-msg", e.message, "err"));
