/* The quarterly report page: pick a quarter and an office, see the totals, download the XLSX. */
"use strict";

const TOTAL_ROWS = [
  ["carried_over", "Số kỳ trước chuyển qua"], ["received", "Số hồ sơ mới tiếp nhận"],
  ["resolved_on_time", "Đã giải quyết đúng thời hạn"], ["resolved_late", "Đã giải quyết quá thời hạn"],
  ["returned", "Trả lại hồ sơ"], ["withdrawn", "Công dân rút hồ sơ"],
  ["pending_not_due", "Đang giải quyết, chưa đến hạn"], ["pending_overdue", "Đang giải quyết, quá thời hạn"],
  ["apology_letters", "Thư xin lỗi đã gửi"]];
const pct = (x) => `${(x * 100).toLocaleString("vi-VN", {maximumFractionDigits: 2})}%`;

function chosen() {
  const year = $("r-year").value.trim(), office = $("r-office").value.trim();
  if (!/^\d{4}$/.test(year) || +year < 2000 || +year > 2100) throw new Error("Năm báo cáo: nhập năm từ 2000 đến 2100.");
  const params = new URLSearchParams({year, quarter: $("r-quarter").value});
  if (office) params.set("office", office);
  return params;
}

function table(caption, head, rows) {
  return `<table><caption>${esc(caption)}</caption><thead><tr>${head.map((h) => `<th scope="col">${esc(h)}</th>`).join("")}` +
    `</tr></thead><tbody>${rows.map((r) => `<tr><th scope="row">${esc(r[0])}</th>` +
    r.slice(1).map((v) => `<td>${esc(v)}</td>`).join("") + "</tr>").join("")}</tbody></table>`;
}

function render(report) {
  const t = report.totals, d = report.digitization, e = report.electronic;
  $("report-view").innerHTML =
    table(`Tổng hợp ${report.period.label}`, ["Chỉ tiêu", "Số hồ sơ"], TOTAL_ROWS.map(([k, label]) => [label, t[k]])) +
    table("Hình thức tiếp nhận", ["Hình thức", "Số hồ sơ", "Tỷ lệ"], report.channels.map((c) => [c.name, c.received, pct(c.share)])) +
    table("Theo cơ chế một cửa liên thông", ["Chỉ tiêu", "Số hồ sơ"], [["Tổng số tiếp nhận", t.linked.received],
      ["Đã giải quyết đúng thời hạn", t.linked.resolved_on_time], ["Đã giải quyết quá thời hạn", t.linked.resolved_late],
      ["Đang giải quyết", t.linked.pending]]) +
    table("Giao dịch điện tử", ["Chỉ tiêu", "Tỷ lệ"], [["Quý này", pct(e.share)], ["Quý trước liền kề", pct(e.previous_share)],
      ["Tăng/giảm", pct(e.change)]]) +
    table("Số hoá", ["Chỉ tiêu", "Số lượng", "Tỷ lệ"], [
      ["Hồ sơ có toàn bộ thành phần được số hoá", `${d.fully_digitized}/${d.dossiers}`, pct(d.fully_digitized_share)],
      ["Hồ sơ giải quyết có kết quả được số hoá", `${d.results_digitized}/${d.resolved}`, pct(d.results_digitized_share)],
      ["Thành phần hồ sơ được tái sử dụng", `${d.components_reused}/${d.components}`, pct(d.components_reused_share)],
      ["Công dân không phải nộp lại giấy tờ", `${d.citizens_without_resubmission}/${d.citizens}`, ""]]);
}

(async () => {
  await signedIn();
  const today = new Date();
  // The reporting quarter today counts in: after day 14 of a quarter's last month, the next one.
  let quarter = Math.floor(today.getMonth() / 3) + 1, year = today.getFullYear();
  if ((today.getMonth() + 1) % 3 === 0 && today.getDate() > 14) quarter += 1;
  if (quarter === 5) { quarter = 1; year += 1; }
  $("r-year").value = year;
  $("r-quarter").value = String(quarter);
  $("report-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    guarded($("r-show"), "report-msg", async () => {
      const report = await api(`/api/v1/reports/quarterly?${chosen()}`);
      render(report);
      say("report-msg", `Đã lập báo cáo ${report.period.label} (${(report.offices || []).join(", ") || "mọi đơn vị"}).`);
    });
  });
  $("r-xlsx").addEventListener("click", () => guarded($("r-xlsx"), "report-msg", async () => {
    const params = chosen();
    await openFile(`/api/v1/reports/quarterly?${params}&format=xlsx`,
                   `bao-cao-quy-${params.get("quarter")}-${params.get("year")}.xlsx`);
    say("report-msg", "Đã tải tệp Excel.");
  }));
})();
