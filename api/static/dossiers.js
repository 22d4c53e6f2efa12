/* /dossiers — the register: a worklist (counts per status, overdue first or by due date, sorted by the server) and a dossier's
   page (steps, components to approve, transitions, history with its papers, apology letters, results). */
"use strict";
const STATES = {received: "Mới tiếp nhận", in_progress: "Đang giải quyết", supplement_requested: "Chờ bổ sung",
  resolved: "Đã giải quyết", returned: "Đã trả lại", withdrawn: "Công dân đã rút"};
/* The register's actions by name; which of them this user may take now is the server's to say (allowed_actions). */
const ACTIONS = {start: "Bắt đầu giải quyết", assign: "Phân công (cán bộ, phòng)", request_supplement: "Yêu cầu bổ sung hồ sơ",
  supplement_received: "Đã nhận hồ sơ bổ sung", resolve: "Đã giải quyết xong", return: "Trả lại hồ sơ (từ chối)",
  withdraw: "Công dân rút hồ sơ", apology_letter: "Lập phiếu xin lỗi"};
const PAPERS = {supplement_request: "Phiếu yêu cầu bổ sung", return_notice: "Phiếu từ chối giải quyết"};
const REVIEW = {pending: "chờ duyệt", approved: "đã duyệt", rejected: "không đạt"};
const PAGE_SIZE = 50;
let current = null, pageNo = 1;
const path = (code) => `/api/v1/dossiers/${encodeURIComponent(code)}`;

/* ---- the worklist ---- */
$("work-form").addEventListener("submit", (e) => { e.preventDefault(); pageNo = 1; guarded($("work-load"), "work-msg", load); });

async function load() {
  const p = new URLSearchParams({page: String(pageNo), size: String(PAGE_SIZE)});
  if ($("w-status").value) p.set("status", $("w-status").value);
  p.set("assignee", $("w-mine").value === "me" ? ME.username : "all");
  if ($("w-overdue").value) p.set("overdue", "true");
  if ($("w-procedure").value.trim()) p.set("procedure", $("w-procedure").value.trim());
  if ($("w-q").value.trim()) p.set("q", $("w-q").value.trim());
  p.set("sort", $("w-sort").value);
  const due = parseDate($("w-due").value, "Hẹn trả trước ngày");
  if (due) p.set("due_before", due);
  const found = await api("/api/v1/dossiers?" + p);
  $("counts").innerHTML = Object.entries(STATES).map(([s, label]) =>
    `<span class="badge">${esc(label)}: <strong>${found.counts[s] || 0}</strong></span>`).join(" ");
  const items = found.items;  // in the server's order: late ones first over all pages, or by due date
  const pages = Math.max(1, Math.ceil(found.total / PAGE_SIZE));
  say("work-msg", `${found.total} hồ sơ` + (pages > 1 ? `, trang ${pageNo}/${pages}.` : "."));
  $("worklist").innerHTML = items.length ? `<table><thead><tr><th scope="col">Mã hồ sơ</th><th scope="col">Thủ tục</th>` +
    `<th scope="col">Công dân</th><th scope="col">Trạng thái</th><th scope="col">Người xử lý</th><th scope="col">Tiếp nhận</th>` +
    `<th scope="col">Hẹn trả</th></tr></thead><tbody>` + items.map((d) =>
    `<tr${d.overdue ? ' class="missing"' : ""}><td><a href="?code=${encodeURIComponent(d.code)}" class="open" data-code="${esc(d.code)}">${esc(d.code)}</a></td>` +
    `<td>${esc(d.procedure_code)} — ${esc(d.procedure_name)}</td><td>${esc(d.owner ? d.owner.full_name || d.owner.personal_id || "" : "")}</td>` +
    `<td class="state">${esc(STATES[d.status] || d.status)}${d.overdue ? " — quá hạn" : ""}</td>` +
    `<td>${esc([d.assignee, d.department].filter(Boolean).join(" · "))}</td><td>${fmtDate(d.received_at)}</td>` +
    `<td>${fmtDate(d.due_at)}</td></tr>`).join("") + "</tbody></table>" : `<p class="muted">Không có hồ sơ nào.</p>`;
  $("pager").innerHTML = pages > 1 ? (pageNo > 1 ? `<button type="button" class="small secondary" data-page="${pageNo - 1}">Trang trước</button>` : "") +
    (pageNo < pages ? `<button type="button" class="small secondary" data-page="${pageNo + 1}">Trang sau</button>` : "") : "";
}
$("pager").addEventListener("click", (e) => {
  const b = e.target.closest("button[data-page]");
  if (b) { pageNo = Number(b.dataset.page); guarded(b, "work-msg", load); }
});
document.addEventListener("click", (e) => {
  const a = e.target.closest("a.open");
  if (!a) return;
  e.preventDefault();
  history.replaceState(null, "", "?code=" + encodeURIComponent(a.dataset.code));
  guarded(null, "work-msg", () => show(a.dataset.code));
});

/* ---- one dossier ---- */
/** After a change: the dossier again, and its line in the worklist. */
async function changed() {
  await show(current.code, false);
  await guarded(null, "work-msg", load);
}

async function show(code, focus = true) {
  const d = await api(path(code));
  // Who it may be assigned to, before anything is drawn: the status and the actions change together.
  const people = d.lifecycle.allowed_actions.some((a) => a.assigns) ? await api(d.lifecycle.links.assignees) : [];
  current = d;
  const life = d.lifecycle;
  $("dossier").hidden = false;
  $("h-dossier").textContent = `Hồ sơ ${d.code}`;
  const owner = d.owner ? [d.owner.full_name, d.owner.personal_id || d.owner.social_insurance_code].filter(Boolean).join(", ") : "";
  $("dossier-body").innerHTML = `<p><strong>${esc(d.procedure_code)} — ${esc(d.procedure_name)}</strong><br>` +
    `Công dân: ${esc(owner)} · tiếp nhận ${fmtDate(d.received_at, true)}${life.received_by ? ` (${esc(life.received_by)})` : ""}` +
    `${d.linked ? ' <span class="badge">một cửa liên thông</span>' : ""}<br>` +
    `Trạng thái: <strong id="d-status">${esc(STATES[d.status] || d.status)}</strong>` +
    `${life.overdue ? ' <span class="badge req">quá hạn</span>' : ""} · hẹn trả <strong id="d-due">${fmtDate(d.due_at)}</strong>` +
    `${life.paused_at ? ` · tạm dừng tính hạn từ ${fmtDate(life.paused_at, true)} (còn ${life.remaining_working_days} ngày làm việc)` : ""}` +
    `${life.resolved_at ? ` · giải quyết xong ${fmtDate(life.resolved_at, true)}` : ""}` +
    `<br>Người xử lý: ${esc(life.assignee || "chưa giao")}${life.department ? ` · phòng ${esc(life.department)}` : ""}</p>`;
  $("steps").innerHTML = life.steps.length ? `<table><thead><tr><th scope="col">Bước</th><th scope="col">Phòng</th>` +
    `<th scope="col">Số ngày làm việc</th><th scope="col">Hạn của bước</th></tr></thead><tbody>` + life.steps.map((s) =>
    `<tr${s.current ? ' class="done"' : ""}><td>${esc(s.label)}${s.current ? " (đang ở bước này)" : ""}</td><td>${esc(s.department)}</td>` +
    `<td>${s.working_days}</td><td>${fmtDate(s.due_on)}</td></tr>`).join("") + "</tbody></table>"
    : `<p class="muted">Thủ tục không chia bước giữa các phòng.</p>`;
  showActions(d, people);
  showHistory(d);
  await Promise.all([showComponents(d), showApologies(d), showResultCodes(d), showResults()]);
  if (focus) $("h-dossier").focus();
}

async function showComponents(d) {
  const docs = await Promise.all(d.components.map((c) => api(c.document.links.self)));
  $("components").innerHTML = d.components.length ? `<table><thead><tr><th scope="col">Thành phần</th><th scope="col">Tệp</th>` +
    `<th scope="col">Nguồn</th><th scope="col">Duyệt</th></tr></thead><tbody>` + d.components.map((c, i) => {
      const r = docs[i].record || {};
      const review = r.review_status === "pending"
        ? `chờ duyệt <button type="button" class="small approve" data-id="${esc(c.document.id)}" aria-label="Duyệt — đạt: ${esc(c.document.filename)}">Duyệt — đạt</button>`
        : `${esc(REVIEW[r.review_status] || r.review_status || "")}${r.reviewed_by ? ` (${esc(r.reviewed_by)})` : ""}`;
      return `<tr><td>${esc(c.component_code || "")}</td><td>${esc(c.document.filename)}</td>` +
        `<td>${c.reused ? `dùng lại${c.source && c.source.dossier_code ? ` từ hồ sơ ${esc(c.source.dossier_code)}` : ""}` : "số hoá cho hồ sơ này"}</td>` +
        `<td class="review">${review}</td></tr>`;
    }).join("") + "</tbody></table>" : `<p class="muted">Chưa có thành phần nào.</p>`;
}
$("components").addEventListener("click", (e) => {
  const b = e.target.closest("button.approve");
  if (!b) return;
  guarded(b, "component-msg", async () => {
    await api(`/api/v1/documents/${encodeURIComponent(b.dataset.id)}/review`, {method: "POST", json: {decision: "approved", note: null}});
    await showComponents(current);
    say("component-msg", "Đã duyệt giấy tờ.");
  });
});

function showActions(d, people) {
  const actions = d.lifecycle.allowed_actions;
  $("transition-form").hidden = !actions.length;
  $("closed-note").hidden = !!actions.length;
  $("closed-note").textContent = d.lifecycle.closed
    ? "Hồ sơ đã kết thúc; không còn bước nào để chuyển." : "Bạn không có thao tác nào với hồ sơ ở trạng thái này.";
  $("t-action").innerHTML = actions.map((a) => `<option value="${a.action}">${esc(ACTIONS[a.action] || a.action)}</option>`).join("");
  const departments = [...new Set(d.lifecycle.steps.filter((s) => s.kind === "processing").map((s) => s.department))];
  $("t-department").innerHTML = `<option value="">(không đổi)</option>` +
    departments.map((x) => `<option value="${esc(x)}">${esc(x)}</option>`).join("");
  $("t-assignee").innerHTML = `<option value="">(không đổi)</option>` + people.map((p) =>
    `<option value="${esc(p.username)}"${p.username === d.lifecycle.assignee ? " selected" : ""}>` +
    `${esc(p.full_name ? `${p.full_name} (${p.username})` : p.username)}</option>`).join("");
  $("t-reason").value = "";
  actionChanged();
}
/** The chosen action as the server describes it: {action, needs_reason, assigns}. */
const chosen = () => current.lifecycle.allowed_actions.find((a) => a.action === $("t-action").value) || {};
function actionChanged() {
  const action = chosen();
  $("t-assign-box").hidden = !action.assigns;
  $("t-department-box").hidden = !action.assigns || $("t-department").options.length < 2;
  $("t-reason-label").textContent = action.needs_reason ? "Lý do (bắt buộc, ghi rõ để công dân hiểu)" : "Ghi chú (không bắt buộc)";
}
$("t-action").addEventListener("change", actionChanged);

$("transition-form").addEventListener("submit", (e) => {
  e.preventDefault();
  guarded($("t-go"), "dossier-msg", async () => {
    const rule = chosen(), action = rule.action, reason = $("t-reason").value.trim() || null;
    if (rule.needs_reason && !reason) throw new Error("Ghi rõ lý do cho thao tác này.");
    const body = {action, reason, version: current.lifecycle.version};
    if (rule.assigns) {
      body.assignee = $("t-assignee").value || (action === "start" && ME.role === "handler" ? ME.username : null);
      body.department = $("t-department").value || null;
    }
    let done;
    try { done = await api(`${path(current.code)}/transitions`, {method: "POST", json: body}); }
    catch (err) {
      if (err.code === "dossier_changed") {  // someone else moved it on: show what it is now, keep the message
        await changed();
        err.message += " Hồ sơ đã được tải lại.";
      }
      throw err;
    }
    await changed();
    const kind = done.event.paper && PAPER_OF[action];
    say("dossier-msg", `Đã thực hiện: ${ACTIONS[action]}.` + (kind ? ` In ${PAPERS[kind].toLowerCase()} ở lịch sử xử lý.` : ""));
  });
});

/* A transition's paper is named by its action (the apology letters have their own list below). */
const PAPER_OF = {request_supplement: "supplement_request", return: "return_notice"};
function showHistory(d) {
  const events = d.lifecycle.history;
  const paper = (e) => {
    const kind = PAPER_OF[e.action];
    return e.paper && kind ? `<button type="button" class="small paper" data-url="${esc(e.paper)}" ` +
      `data-name="${esc(`${d.code}-${kind}.pdf`)}">${esc(PAPERS[kind])} (PDF)</button>` : "";
  };
  $("history").innerHTML = events.length ? `<table><thead><tr><th scope="col">Thời điểm</th><th scope="col">Thao tác</th>` +
    `<th scope="col">Trạng thái</th><th scope="col">Người thực hiện</th><th scope="col">Lý do, phân công</th><th scope="col">Phiếu</th></tr></thead><tbody>` +
    events.map((e) => `<tr><td>${fmtDate(e.at, true)}</td><td>${esc(ACTIONS[e.action] || e.action)}</td>` +
      `<td>${esc(STATES[e.from_status] || e.from_status)} → ${esc(STATES[e.to_status] || e.to_status)}</td><td>${esc(e.actor)}</td>` +
      `<td>${esc([e.reason, e.assignee && `giao ${e.assignee}`, e.department && `phòng ${e.department}`].filter(Boolean).join(" · "))}</td>` +
      `<td>${paper(e)}</td></tr>`).join("") + "</tbody></table>" : `<p class="muted">Chưa có thao tác nào.</p>`;
}

async function showApologies(d) {
  const letters = await api(`${path(d.code)}/apology-letters`);
  $("apologies").innerHTML = letters.length ? `<table><thead><tr><th scope="col">Số</th><th scope="col">Hẹn cũ</th><th scope="col">Hẹn mới</th>` +
    `<th scope="col">Lý do</th><th scope="col">Người lập</th><th scope="col">Phiếu</th></tr></thead><tbody>` + letters.map((a) =>
    `<tr><td>${a.number}</td><td>${fmtDate(a.previous_due_at)}</td><td>${fmtDate(a.new_due_at)}</td><td>${esc(a.reason)}</td>` +
    `<td>${esc(a.created_by)}, ${fmtDate(a.created_at)}</td><td><button type="button" class="small paper" data-url="${esc(a.links.pdf)}" ` +
    `data-name="${esc(`${d.code}-xin-loi-${a.number}.pdf`)}">Phiếu xin lỗi số ${a.number} (PDF)</button></td></tr>`).join("") + "</tbody></table>"
    : `<p class="muted">${d.lifecycle.overdue ? "Hồ sơ quá hạn: lập phiếu xin lỗi và hẹn lại ngày trả kết quả." : "Chưa có phiếu xin lỗi (chỉ lập khi hồ sơ quá hạn)."}</p>`;
  $("apology-form").hidden = !d.lifecycle.overdue;
}
$("apology-form").addEventListener("submit", (e) => {
  e.preventDefault();
  guarded($("a-save"), "apology-msg", async () => {
    const newDue = parseDate($("a-date").value, "Ngày hẹn trả mới");
    if (!newDue) throw new Error("Nhập ngày hẹn trả mới (dd/mm/yyyy).");
    const reason = $("a-reason").value.trim();
    if (!reason) throw new Error("Ghi rõ lý do chậm trả kết quả.");
    const letter = await api(`${path(current.code)}/apology-letters`, {method: "POST", json: {reason, new_due_on: newDue}});
    $("a-date").value = ""; $("a-reason").value = "";
    await changed();
    say("apology-msg", `Đã lập phiếu xin lỗi số ${letter.number}; ngày hẹn trả mới ${fmtDate(letter.new_due_at)}.`);
  });
});

document.addEventListener("click", (e) => {
  const b = e.target.closest("button.paper");
  if (b) guarded(b, "dossier-msg", () => openFile(b.dataset.url, b.dataset.name));
});
$("d-receipt").addEventListener("click", (e) => guarded(e.target, "dossier-msg",
  () => openFile(`${path(current.code)}/receipt`, `phieu-tiep-nhan-${current.code}.pdf`)));
$("d-reload").addEventListener("click", (e) => guarded(e.target, "dossier-msg", () => show(current.code)));

/* ---- results ---- */
async function showResultCodes(d) {
  const procedure = await api(`/api/v1/catalog/procedures/${encodeURIComponent(d.procedure_code)}`);
  $("r-code").innerHTML = procedure.results.map((r) => `<option value="${esc(r.code)}">${esc(r.code)} — ${esc(r.name)}</option>`).join("");
}

async function showResults() {
  const rows = await api(`${path(current.code)}/results`);
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
    await api(`${path(current.code)}/results`, {method: "POST", form});
    for (const id of ["r-number", "r-issued", "r-file"]) $(id).value = "";
    $("r-file").dispatchEvent(new Event("change"));
    say("result-msg", "Đã đính kèm kết quả; bản số hoá đang được xử lý.");
    await showResults();
  });
});
$("results").addEventListener("click", (e) => {
  const b = e.target.closest("button.handover");
  if (!b) return;
  guarded(b, "result-msg", async () => {
    await api(`${path(current.code)}/results/${b.dataset.id}/handover`, {method: "POST"});
    await changed();
    say("result-msg", "Đã ghi nhận trả kết quả cho công dân.");
  });
});

const params = new URLSearchParams(location.search);
signedIn().then(async () => {
  if (ME.role !== "handler") $("w-mine").value = "all";  // a counter sees its office's, an archivist everything
  await load();
  if (params.get("code")) await show(params.get("code"));
  restoreDraft(params.get("code") ? "dossier-msg" : "work-msg");
}).catch((e) => say("work-msg", e.message, "err"));
