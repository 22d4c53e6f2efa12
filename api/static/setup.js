/* /setup#<secret>: the first administrator chooses a password (the secret stays out of server logs). */
"use strict";
const secret = new URLSearchParams(location.hash.slice(1)).get("token") || "";
if (!secret) say("setup-msg", "Liên kết khởi tạo thiếu mã bí mật. Dùng đúng liên kết dịch vụ in ra khi khởi động.", "err");

$("setup-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const password = $("s-password").value;
  if (password.length < 12) { say("setup-msg", "Mật khẩu phải có ít nhất 12 ký tự.", "err"); return; }
  if (password !== $("s-password2").value) { say("setup-msg", "Hai lần nhập mật khẩu không khớp.", "err"); return; }
  await guarded($("s-create"), "setup-msg", async () => {
    const username = $("s-username").value.trim();
    await api("/api/v1/setup/admin", {method: "POST", json: {token: secret, username, password,
      office_code: $("s-office").value.trim(), full_name: $("s-fullname").value.trim() || null}});
    const body = await api("/api/v1/auth/token", {method: "POST", form: new URLSearchParams({username, password})});
    keepToken(body);
    history.replaceState(null, "", "/setup");
    say("setup-msg", "Đã tạo quản trị viên. Đang chuyển đến trang Lưu trữ để tạo tài khoản cán bộ…");
    setTimeout(() => location.assign("/archive#users"), 800);
  });
});
