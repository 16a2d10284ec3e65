/**
 * A hazard's life through the typed SDK: log in, page through a list with its cursor, upload
 * evidence and download it again, record a major hazard, plan, submit and sign it off with
 * `If-Match` from each answer's ETag, and export the ledger as XLSX.
 *
 *   node dist/examples/flow.js http://127.0.0.1:8000 admin anquan-demo-2024
 *
 * Prints one JSON line with what it did; exits non-zero on the first unexpected answer.
 */
import { Buffer } from "node:buffer";

import { createAnquanClient, etagOf, idempotencyKey, logIn, ok, pages, uploadEvidence, type Hazard } from "../src/index.js";

// A 1×1 PNG, the smallest evidence file the service accepts.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

/** A business date, Asia/Shanghai, `days` from today. */
function businessDate(days = 0): string {
  const at = new Date(Date.now() + days * 86_400_000);
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(at);
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) {
    throw new Error(message);
  }
}

async function main(baseUrl: string, username: string, password: string): Promise<void> {
  let token: string | undefined;
  const api = createAnquanClient({ baseUrl, token: () => token });

  // Log in (password grant); the client sends the token from now on.
  token = (await logIn(api, username, password)).access_token;
  const me = ok(await api.GET("/api/v1/auth/me"));

  // A list, page by page: `next_cursor` goes back as `cursor` until it is null.
  let seen = 0;
  let pagesRead = 0;
  for await (const items of pages((cursor) =>
    api.GET("/api/v1/enterprises", { params: { query: { limit: 2, ...(cursor ? { cursor } : {}) } } }).then(ok),
  )) {
    seen += items.length;
    pagesRead += 1;
    if (pagesRead === 3) break;
  }
  const enterprise = ok(await api.GET("/api/v1/enterprises", { params: { query: { limit: 1 } } })).items[0];
  check(enterprise !== undefined, "no enterprise is visible");

  // Evidence first: upload it, download it, compare the bytes.
  const attachment = await uploadEvidence(api, new Blob([PNG], { type: "image/png" }), "报警器更换后.png");
  check(attachment.content_type === "image/png", `uploaded as ${attachment.content_type}`);
  const download = await api.GET("/api/v1/attachments/{attachment_id}", {
    params: { path: { attachment_id: attachment.id } },
    parseAs: "arrayBuffer",
  });
  check(download.data !== undefined, `download answered ${download.response.status}`);
  check(Buffer.from(download.data as ArrayBuffer).equals(PNG), "the downloaded file differs from the upload");

  // A major hazard, then its lifecycle; each action sends the ETag of the previous answer.
  const created = await api.POST("/api/v1/hazards", {
    params: { header: { "Idempotency-Key": idempotencyKey() } },
    body: {
      enterprise_id: enterprise.id,
      grade: "major",
      source: "supervision",
      title: "储罐区可燃气体报警器失效",
      discovered_on: businessDate(-1),
      attachment_ids: [attachment.id],
    },
  });
  let hazard: Hazard = ok(created);
  let etag = etagOf(created.response);
  check(hazard.status === "reported", `created as ${hazard.status}`);
  check(created.response.headers.get("Location") === `/api/v1/hazards/${hazard.id}`, "Location names the hazard");

  const path = { hazard_id: hazard.id };
  const planned = await api.POST("/api/v1/hazards/{hazard_id}/plan", {
    params: { path, header: { "If-Match": etag, "Idempotency-Key": idempotencyKey() } },
    body: {
      responsible_person: "李明",
      measures: "更换报警器并与紧急切断阀联锁",
      funds: "12000.00",
      deadline: businessDate(30),
      contingency_plan: "停用储罐区，设置警戒区",
    },
  });
  hazard = ok(planned);
  etag = etagOf(planned.response);
  check(hazard.status === "rectifying", `planned: ${hazard.status}`);

  // A stale ETag is refused with 412 and the problem names the current one.
  const stale = await api.POST("/api/v1/hazards/{hazard_id}/submit", {
    params: { path, header: { "If-Match": '"0"' } },
    body: { evidence: "已更换" },
  });
  check(stale.response.status === 412 && stale.error?.current_etag === etag, "a stale If-Match answers 412");

  const submitted = await api.POST("/api/v1/hazards/{hazard_id}/submit", {
    params: { path, header: { "If-Match": etag, "Idempotency-Key": idempotencyKey() } },
    body: { evidence: "已更换报警器并完成联锁调试", attachment_ids: [attachment.id] },
  });
  hazard = ok(submitted);
  etag = etagOf(submitted.response);
  check(hazard.status === "pending_review", `submitted: ${hazard.status}`);

  const reviewed = await api.POST("/api/v1/hazards/{hazard_id}/review", {
    params: { path, header: { "If-Match": etag, "Idempotency-Key": idempotencyKey() } },
    body: { decision: "approve", comment: "现场复核合格，同意销号" },
  });
  hazard = ok(reviewed);
  check(hazard.status === "closed", `reviewed: ${hazard.status}`);

  // The ledger as an Excel workbook: the bytes of a ZIP container.
  const workbook = await api.GET("/api/v1/hazards/export", {
    params: { query: { format: "xlsx", enterprise_id: enterprise.id } },
    parseAs: "arrayBuffer",
  });
  check(workbook.data !== undefined, `export answered ${workbook.response.status}`);
  const bytes = Buffer.from(workbook.data as ArrayBuffer);
  check(bytes.subarray(0, 4).equals(Buffer.from("PK\x03\x04", "latin1")), "the export is not an XLSX workbook");

  console.log(
    JSON.stringify({
      user: me.username,
      role: me.role,
      enterprises_seen: seen,
      pages: pagesRead,
      attachment: attachment.id,
      hazard: hazard.id,
      status: hazard.status,
      xlsx_bytes: bytes.length,
    }),
  );
}

const [baseUrl, username, password] = process.argv.slice(2);
if (!baseUrl || !username || !password) {
  console.error("usage: node dist/examples/flow.js BASE_URL USERNAME PASSWORD");
  process.exit(2);
}
main(baseUrl, username, password).catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack ?? error.message : error);
  process.exit(1);
});
