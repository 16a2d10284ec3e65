// Generated from openapi/openapi.json by clients/typescript/generate.mjs (openapi-typescript).
// Do not edit: run `npm run generate` after ./scripts/export-openapi.

export interface paths {
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Process is up
         * @description Answers 200 while the process serves requests; it does not touch the database. For liveness probes. (Like every path, it refuses a request body over the size limit with 413.)
         */
        get: operations["healthz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Database is reachable
         * @description Answers 200 when the database answers a query, 503 when it does not. For readiness probes and load balancers.
         */
        get: operations["readyz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/token": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Obtain an access token
         * @description OAuth2 token endpoint (form encoded). `grant_type=password` with `username` and `password` for people; `grant_type=client_credentials` with `client_id` and `client_secret` for district systems (role `district_viewer`). Failed logins are throttled per username (429 with Retry-After).
         */
        post: operations["create_token"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/refresh": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Exchange a refresh token for new tokens
         * @description Refresh tokens rotate and are single-use: the answer carries a new pair, and the token sent is spent. Sending a spent refresh token again ends its session: every refresh and access token of it is refused from then on (401), so whoever copied the token loses it together with its owner, who logs in again. Rate-limited per client address (429 with Retry-After).
         */
        post: operations["refresh_token"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/logout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * End the caller's session
         * @description Revokes the session the bearer token belongs to: its refresh token and its access tokens are refused from then on (401). A `refresh_token` of the caller in the body ends that token's session too; one that does not verify (expired, malformed) is ignored, as RFC 7009 does, and one of another user is 403 with nothing revoked. A password change, disabling or re-enabling the account, or a change of role or organisation ends all of a user's sessions without this call.
         */
        post: operations["logout"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Who am I
         * @description The account the bearer token belongs to: its role and the org unit or enterprise it is tied to, which decide what it sees (A1).
         */
        get: operations["get_me"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/org-units": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List org units
         * @description The street office, departments and villages. Every authenticated caller may read them.
         */
        get: operations["list_org_units"];
        put?: never;
        /**
         * Create an org unit
         * @description A village, a department (with the sectors it leads) or the street office. street_admin only.
         */
        post: operations["create_org_unit"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/org-units/{org_unit_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get an org unit
         * @description A street office, department or village, with the sectors a department leads. Every authenticated caller may read it.
         */
        get: operations["get_org_unit"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/sectors": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List sectors
         * @description The sectors (行业领域) with their lead department and whether they are high-risk by default.
         */
        get: operations["list_sectors"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List users
         * @description Accounts, in creation order, keyset paginated; street_admin only. Password hashes are never shown.
         */
        get: operations["list_users"];
        put?: never;
        /**
         * Create a user
         * @description street_admin only. The org unit must fit the role: street office for street_admin and supervisor, a department for department_officer, a village for village_officer; enterprise_user needs enterprise_id; district_viewer is a service client that logs in with client_credentials.
         */
        post: operations["create_user"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{user_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a user
         * @description An account; street_admin only.
         */
        get: operations["get_user"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Disable, enable or reset the password of a user
         * @description street_admin only; an administrator cannot disable their own account (403).
         */
        patch: operations["update_user"];
        trace?: never;
    };
    "/api/v1/org-units/{org_unit_id}/escalations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Escalations addressed to a village or department
         * @description Street office staff and district systems read all; a unit's own officers read theirs.
         */
        get: operations["list_org_unit_escalations"];
        put?: never;
        /**
         * Escalate to a village or department
         * @description 函告, 通报, 约谈 or 曝光 addressed to a village or department; street_admin and supervisor (H9).
         */
        post: operations["escalate_org_unit"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/enterprises": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List enterprises
         * @description Enterprises the caller can see (A1), in registration order, keyset paginated.
         */
        get: operations["list_enterprises"];
        put?: never;
        /**
         * Register an enterprise
         * @description street_admin and supervisor register anywhere; a village officer in its village; a department officer in the sectors it leads. `high_risk` defaults from the sector. A duplicate credit code is 409.
         */
        post: operations["create_enterprise"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/enterprises/geojson": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Map of enterprises
         * @description K6: a GeoJSON FeatureCollection of the enterprises the caller can see (A1) that have coordinates, each a Point (WGS-84, [lng, lat]) with its name, village, sector and risk level (K4) as properties.
         */
        get: operations["enterprises_geojson"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/enterprises/{enterprise_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get an enterprise
         * @description An enterprise the caller can see (A1), with its contacts; its `ETag` is what `PATCH` expects in `If-Match`. Any other id answers 404 (A2).
         */
        get: operations["get_enterprise"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Change an enterprise
         * @description Partial update; send `If-Match` with the ETag you read (412 when stale). A change of `status` or `high_risk` is recorded with its `effective_on` business date for the cadence engine. Enterprise users may update contacts, address and standardization only.
         */
        patch: operations["update_enterprise"];
        trace?: never;
    };
    "/api/v1/enterprises/{enterprise_id}/risk": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get an enterprise's risk level
         * @description K4: the four-colour level (red 重大, orange 较大, yellow 一般, blue 低) from the documented default score (app/domain/risk.py): inherent risk (sector, high-risk, tags), condition today (open and overdue major hazards, open general hazards, C1/C2 periods missed in the last 12 months) and management (standardization). Each part says why. An official's override wins and says so; every override is in `history`.
         */
        get: operations["get_risk"];
        /**
         * Override an enterprise's risk level
         * @description K4: street_admin, or an officer of the lead department of the enterprise's sector, sets the level with a reason (`level: null` returns to the computed level). The override is kept in the history with the computed level and score of the day.
         */
        put: operations["override_risk"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/hazards/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Export the hazard ledger (CSV or XLSX)
         * @description The hazards the caller can see (A1), with the filters of list_hazards, newest first, as a spreadsheet with Chinese headers and values: 隐患编号, 隐患名称, 所属单位, 统一社会信用代码, 所属村居, 行业领域, 等级, 来源, 发现日期, 整改期限, 状态, 是否逾期 (H6, today in Asia/Shanghai), 延期次数, 挂牌督办, 整改责任人, 销号日期. `risk_level` keeps the hazards of the enterprises at that level today (K4). `csv` is UTF-8 with a BOM; `xlsx` is an Excel workbook. Read from one consistent snapshot and streamed.
         */
        get: operations["export_hazards"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/hazards": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List hazards
         * @description Hazards the caller can see (A1), newest first, keyset paginated: pass `next_cursor` back as `cursor` until it is null. The filters combine (and). `overdue` follows H6: open and past the deadline, today in Asia/Shanghai.
         */
        get: operations["list_hazards"];
        put?: never;
        /**
         * Record a hazard
         * @description A hazard of an enterprise the caller can see; `village_id` and `sector` are taken from the enterprise. Enterprise users record `self_inspection` hazards. A major hazard records the notification of the principal and the actual controller (H8).
         */
        post: operations["create_hazard"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/hazards/{hazard_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a hazard
         * @description A hazard the caller can see, with its plan, its state and the actions that state allows; its `ETag` is what the actions expect in `If-Match`. Any other id answers 404 (A2).
         */
        get: operations["get_hazard"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Change a hazard's description
         * @description Descriptive fields only; the state, deadline and plan change through the actions.
         */
        patch: operations["update_hazard"];
        trace?: never;
    };
    "/api/v1/hazards/{hazard_id}/plan": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Plan the rectification
         * @description `reported` → `rectifying`. A major hazard needs the five elements (H3); a general one the responsible person and the deadline.
         */
        post: operations["plan_hazard"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/hazards/{hazard_id}/submit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Submit the rectification for review
         * @description `rectifying` → `pending_review`, with evidence: a text and/or attachments (H4).
         */
        post: operations["submit_hazard"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/hazards/{hazard_id}/review": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Review a rectification (sign off or send back)
         * @description `approve`: `pending_review` → `closed` (销号); `reject`: back to `rectifying`, with a comment. Major hazards: the sector's lead department or street_admin; general: also the village officer (H5).
         */
        post: operations["review_hazard"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/hazards/{hazard_id}/reopen": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Reopen a closed hazard
         * @description street_admin only, with a reason: `closed` → `rectifying` (H2).
         */
        post: operations["reopen_hazard"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/hazards/{hazard_id}/void": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Void a hazard found not to be one
         * @description From any open state, with a reason; by those who may sign the hazard off (H5).
         */
        post: operations["void_hazard"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/hazards/{hazard_id}/extend": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Extend the rectification deadline
         * @description A later deadline with a reason; recorded and counted in `extensions` (H6). Not by enterprises.
         */
        post: operations["extend_hazard_deadline"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/hazards/{hazard_id}/history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A hazard's history
         * @description Every step, append-only (H7), oldest first: `at` when it was recorded, `effective_on` the business date it took effect, who took it and the state before and after.
         */
        get: operations["get_hazard_history"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/hazards/{hazard_id}/escalations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A hazard's escalations
         * @description 函告, 通报, 约谈 and 曝光 recorded on the hazard (H9), oldest first.
         */
        get: operations["list_hazard_escalations"];
        put?: never;
        /**
         * Escalate a slow rectification
         * @description 函告, 通报, 约谈 or 曝光 on an open hazard; street_admin and supervisor (H9).
         */
        post: operations["escalate_hazard"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/hazards/{hazard_id}/listing": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * List or delist a hazard for supervision (挂牌督办)
         * @description street_admin and supervisor (H9); `listed: false` delists (摘牌).
         */
        post: operations["set_hazard_listing"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/inspections": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List inspections
         * @description Inspections of the enterprises the caller can see, newest first.
         */
        get: operations["list_inspections"];
        put?: never;
        /**
         * Record an inspection with its findings
         * @description Each finding becomes a hazard of the inspected enterprise (source from the kind: principal_self → self_inspection, village_patrol → patrol, department/supervision → supervision, enforcement → enforcement), in one transaction: all or nothing. With `checklist_id`, `item_results` give a result per item of that checklist version (K3): each `fail` becomes a hazard with the item's criterion and grade, in the same transaction; an item not in the version is a 422 naming `item_results[i].item_id`. Send an `Idempotency-Key`: a retried submission creates exactly one inspection and one set of hazards and answers like the first.
         */
        post: operations["create_inspection"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/inspections/{inspection_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get an inspection
         * @description An inspection of an enterprise the caller can see, with the ids of the hazards its findings became; any other id answers 404 (A2).
         */
        get: operations["get_inspection"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Read the change feed
         * @description Events after `after` (an event id, or a `next_cursor`), oldest first: hazard.created, hazard.status_changed, hazard.deadline_extended, hazard.major_notified, hazard.escalated, hazard.listed, hazard.delisted, inspection.recorded, report.received, report.verified, drill.recorded, training.recorded, supervision_task.created, supervision_task.status_changed, supervision_task.findings_recorded, supervision_task.referral_recorded. Ids follow commit order, so a reader polling with the last id it saw misses nothing. Scoped like everything else (A1).
         */
        get: operations["list_events"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/attachments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Upload an evidence file
         * @description Multipart form with one field `file`: a JPEG, PNG or PDF of at most 10 MiB. The type is detected from the content (415 otherwise), never from the name or the declared type. Reference the returned `id` in `attachment_ids` of a hazard, its plan or its submission; until then only the uploader can read it. district_viewer clients cannot upload (A3).
         */
        post: operations["upload_attachment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/attachments/{attachment_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Download an evidence file
         * @description The file itself with its detected content type, as `Content-Disposition: attachment`. Readable by the uploader and by whoever can see a hazard or inspection that references it; 404 otherwise (A2).
         */
        get: operations["download_attachment"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/attachments/{attachment_id}/meta": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get an evidence file's metadata
         * @description Type, size, sha256 and name of a file the caller may read (see download_attachment).
         */
        get: operations["get_attachment"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/public/reports": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Report a hazard (no account needed)
         * @description Anyone may report a hazard (群众举报, P1). The answer holds a tracking code, shown only this once: it reads the report's status and nothing else. The contact is optional and seen by street_admin only (P2). Rate-limited per client address (429 with Retry-After).
         */
        post: operations["submit_public_report"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/public/reports/{tracking_code}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Look up a report's status by its tracking code
         * @description The status only (P1). Unknown and malformed codes alike answer 404.
         */
        get: operations["get_public_report_status"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/reports": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List reports from the public
         * @description street_admin, supervisor and district systems see every report; a village officer those naming its village; departments and enterprises none. `contact` is shown to street_admin only (P2). Newest first, keyset paginated.
         */
        get: operations["list_reports"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/reports/{report_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a report from the public
         * @description Within the caller's reports (see list_reports), else 404. `contact` for street_admin only (P2).
         */
        get: operations["get_report"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/reports/{report_id}/verify": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Verify a report from the public
         * @description street_admin and supervisor, from `received` only (P3). `substantiated` names the hazard (enterprise, grade, title, ...): a hazard with source `public_report` is created in the same transaction, linked to the report, and the report becomes reward-eligible. `unsubstantiated` creates nothing.
         */
        post: operations["verify_report"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/compliance": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Cadence compliance per enterprise (C1, C2)
         * @description For each visible enterprise on `as_of`: the principal-led inspection (C1: quarterly, monthly if high-risk) and the evacuation drill (C2: yearly, half-yearly if high-risk), each `{period, status, missed_periods}`. `status=due` lists enterprises with a current period not yet done, `missed` those with missed periods, `done` those whose every applicable current period is done; `obligation` narrows the filter to one. The summary covers the whole filtered set (before `status`).
         */
        get: operations["get_compliance"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/compliance/supervision": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Supervision rounds per village and department (C3)
         * @description Each village and department needs a completed `supervision_round` per half-year from H1 2024. Village and department officers see their own unit.
         */
        get: operations["get_supervision_compliance"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/compliance/differentiated": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Differentiated supervision per enterprise (C5)
         * @description K5: the lead department inspects (kind `department`) red enterprises monthly, orange quarterly, yellow half-yearly and blue yearly, in calendar periods from 2024. A period's cadence is fixed by the level in force on its first day and stays owed once begun; periods nest, and one inspection counts for every owed period it falls in. The level on a day is the override in force then (made that day or before, in Asia/Shanghai), else the level K4 computes on `as_of`. Computed from the ledger in either analytics source. A page of enterprises in id order.
         */
        get: operations["get_differentiated_compliance"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/compliance/training": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Focus training coverage (C4)
         * @description 2024: grade-2/3 hospitals' fire-safety responsible persons; 2025: dust-explosion enterprises' principals or fire-safety responsible persons; 2026: large commercial complexes' fire-safety responsible persons. Only passed trainings count; coverage = covered / active focus enterprises.
         */
        get: operations["get_training_compliance"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/targets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Year-end targets (T1–T3)
         * @description `stock_cleared` (2024), `increment_reduced` (2025), `dynamic_zero` (2026), each `met | on_track | at_risk | missed` with its figures, on `as_of` — a past date gives what was true then, from each hazard's history.
         */
        get: operations["get_targets"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/stats/hazards": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Hazard statistics
         * @description Counts (total, open, overdue, closed, void), closure rate and median days to close, grouped; `from`/`to` bound the discovery date. Scoped: a village officer's figures count only its village. `group_by=criterion`: one row per cited criterion code (no criterion: key null), the label its document number, article and item and the document's title (`/api/v1/criteria/{code}` has the rest); always counted from the ledger. `group_by=risk_level`: one row per level of the hazards' enterprises today (K4, overrides included), most severe first, each enterprise in scope assessed once.
         */
        get: operations["get_hazard_stats"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/dashboard": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The first screen of a dashboard, in one round trip
         * @description Open, overdue and listed major hazards, targets, cadence compliance, supervision coverage, and per village and per sector figures, on `as_of`, within the caller's scope; and how many of the caller's enterprises are at each risk level today (K4, `risk_levels`).
         */
        get: operations["get_dashboard"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/campaign": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The campaign's phases
         * @description 动员部署 (2024-02 – 2024-04), 专项治理 (2024-05 – 2025-12), 巩固提升 (2026-01 – 2026-09), 总结评估 (2026-10 – 2026-12), and which one `as_of` falls in.
         */
        get: operations["get_campaign"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/drills": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List drills
         * @description Drills of the enterprises the caller can see (A1), newest first, keyset paginated.
         */
        get: operations["list_drills"];
        put?: never;
        /**
         * Record a drill
         * @description A drill held by an enterprise the caller can see (enterprise users: their own); `village_id` and `sector` are taken from the enterprise. `held_on` may not be in the future (Asia/Shanghai). C2 counts `evacuation` drills. An enterprise the caller cannot see is a 422 on `enterprise_id`.
         */
        post: operations["create_drill"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/drills/{drill_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a drill
         * @description A drill of an enterprise the caller can see; any other id answers 404 (A2).
         */
        get: operations["get_drill"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/trainings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List trainings
         * @description Trainings of the enterprises the caller can see (A1), newest first, keyset paginated.
         */
        get: operations["list_trainings"];
        put?: never;
        /**
         * Record a training
         * @description A training of a person of an enterprise the caller can see (enterprise users: their own); `village_id` and `sector` are taken from the enterprise. `held_on` may not be in the future (Asia/Shanghai); `hours` is positive with one decimal place. C4 counts a training only when `passed` is true. An enterprise the caller cannot see is a 422 on `enterprise_id`.
         */
        post: operations["create_training"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/trainings/{training_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a training
         * @description A training of an enterprise the caller can see; any other id answers 404 (A2).
         */
        get: operations["get_training"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/supervision-tasks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List supervision tasks
         * @description Newest first, keyset paginated. The street office and district systems see every task; a village or department officer the tasks assigned to or targeting its unit; enterprise users none. `overdue`: not accepted and past `due_on` (S2).
         */
        get: operations["list_supervision_tasks"];
        put?: never;
        /**
         * Create a supervision task
         * @description street_admin and supervisor hand a task to a village or department (S1, S2). A `supervision_round` names the village or department it is on (`target_org_unit_id`; C3 counts accepted rounds per half-year); `hazard_oversight` names an open hazard (`hazard_id`). `due_on` is not in the past.
         */
        post: operations["create_supervision_task"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/supervision-tasks/{task_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a supervision task
         * @description With its referrals (street office and district systems only) and the hazards its findings created.
         */
        get: operations["get_supervision_task"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/supervision-tasks/{task_id}/submit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Submit a supervision task
         * @description `open` or `returned` → `submitted`, with a report; only officers of the assignee unit (S2).
         */
        post: operations["submit_supervision_task"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/supervision-tasks/{task_id}/accept": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Accept a supervision task
         * @description `submitted` → `accepted`; street_admin and supervisor (S2). Sets `completed_on` (default today; never in the future, never before the task was created), the date C3 counts a round by.
         */
        post: operations["accept_supervision_task"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/supervision-tasks/{task_id}/return": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Return a supervision task
         * @description `submitted` → `returned`, with a comment saying why; street_admin and supervisor (S2).
         */
        post: operations["return_supervision_task"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/supervision-tasks/{task_id}/findings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Record a supervision task's findings
         * @description Each finding becomes a hazard of its enterprise with source `supervision`, linked to the task (S3), in one transaction: a bad finding is a 422 naming `findings[i].field` and nothing is written. street_admin and supervisor. `Location` and `ETag` are the task's.
         */
        post: operations["record_supervision_findings"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/supervision-tasks/{task_id}/referrals": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Record a referral (移交) on a supervision task
         * @description Misconduct found during supervision handed over to the competent body (S3); street_admin and supervisor. `referred_on` defaults to today. `Location` and `ETag` are the task's, which lists its referrals.
         */
        post: operations["create_task_referral"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Read the audit trail
         * @description Every successful write — who, role, org unit, client address, request id, method, path, action, resource, time — newest first, hash-chained. street_admin only.
         */
        get: operations["list_audit_entries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/imports/templates/enterprises": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Download the template of a ledger of enterprises
         * @description An Excel workbook to fill in with enterprises (单位台账): the first sheet has the Chinese headers (for hazards the same as the hazard export, so an export re-imports unchanged), required ones highlighted, a dropdown with the Chinese labels for every enumeration (and the villages the caller may import for); the sheet 填写说明 has the instructions and an example row. For street_admin, department and village officers (403 otherwise).
         */
        get: operations["get_import_template_enterprises"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/imports/templates/hazards": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Download the template of a ledger of hazards
         * @description An Excel workbook to fill in with hazards (隐患台账): the first sheet has the Chinese headers (for hazards the same as the hazard export, so an export re-imports unchanged), required ones highlighted, a dropdown with the Chinese labels for every enumeration (and the villages the caller may import for); the sheet 填写说明 has the instructions and an example row. For street_admin, department and village officers (403 otherwise).
         */
        get: operations["get_import_template_hazards"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/imports/templates/inspections": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Download the template of a ledger of inspections
         * @description An Excel workbook to fill in with inspections (检查记录): the first sheet has the Chinese headers (for hazards the same as the hazard export, so an export re-imports unchanged), required ones highlighted, a dropdown with the Chinese labels for every enumeration (and the villages the caller may import for); the sheet 填写说明 has the instructions and an example row. For street_admin, department and village officers (403 otherwise).
         */
        get: operations["get_import_template_inspections"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/imports/templates/drills": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Download the template of a ledger of drills
         * @description An Excel workbook to fill in with drills (演练记录): the first sheet has the Chinese headers (for hazards the same as the hazard export, so an export re-imports unchanged), required ones highlighted, a dropdown with the Chinese labels for every enumeration (and the villages the caller may import for); the sheet 填写说明 has the instructions and an example row. For street_admin, department and village officers (403 otherwise).
         */
        get: operations["get_import_template_drills"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/imports/templates/trainings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Download the template of a ledger of trainings
         * @description An Excel workbook to fill in with trainings (培训记录): the first sheet has the Chinese headers (for hazards the same as the hazard export, so an export re-imports unchanged), required ones highlighted, a dropdown with the Chinese labels for every enumeration (and the villages the caller may import for); the sheet 填写说明 has the instructions and an example row. For street_admin, department and village officers (403 otherwise).
         */
        get: operations["get_import_template_trainings"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/imports": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Upload a ledger to import
         * @description Multipart form with `kind` and `file`: an .xlsx workbook (its first visible sheet) or a .csv in UTF-8, GBK or GB18030 (a UTF-8 byte order mark decides, else the first of UTF-8, GBK, GB18030 that decodes the whole file strictly). The type is read from the content: anything else, and spreadsheets with macros (.xlsm, a VBA project inside), answer 415; a file over the limit (20 MiB by default), a workbook that expands beyond its limit or whose sheet spans too many cells (a zip bomb), 413. Nothing is written to the ledger: the rows are validated by a job of the job engine (`imports.validate`; `status` `validating`, with `progress`), then the import is `ready` with its `counts` and errors (I2). A file already committed answers 409 `already_imported`, with `import_id` when the caller may see that import. For street_admin, department and village officers, for the enterprises in their scope (403 for other roles).
         */
        post: operations["upload_import"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/imports/{import_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get an import: its status, progress and counts
         * @description The preview (I2): `status`, `progress{rows_done, rows_total}` while it validates, then `counts{valid, invalid, duplicates}`; the errors themselves are at /imports/{import_id}/errors. Another office's import answers 404 (A2).
         */
        get: operations["get_import"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/imports/{import_id}/errors": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List an import's errors, or get its failing rows as a spreadsheet
         * @description Every error of the preview (I2), in file order: the spreadsheet's row number (the header is row 1), the column's header, the cell as read and a message in Chinese; duplicates are marked. Keyset paginated. With `format=xlsx` (or `Accept: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`) the answer is instead a workbook of the header and the failing rows as they were read, with a last column 错误说明 naming the original row and its errors: fix the rows in Excel and upload the workbook again (the 错误说明 column is not read). Another office's import answers 404 (A2).
         */
        get: operations["list_import_errors"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/imports/{import_id}/commit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Commit an import
         * @description Writes every valid row, or nothing (I2), in a job of the job engine (`imports.commit`): the answer is the import `committing`; follow it until `committed` (or back to `ready`, when the database changed since the validation and rows fail its checks now: see the errors). An import with errors commits only with `skip_invalid: true`; otherwise 409 `import_has_errors`, never silently. Idempotent: an import committing or committed answers as it stands; another import of a file already committed answers 409 `already_imported` (a file is imported once). 409 `import_not_ready` while it validates or when it failed. Hazards keep their state and business dates (I3). The commit is audited and each created hazard, inspection, drill and training appears in the feed as if recorded one by one, with one `import.committed` event for the import.
         */
        post: operations["commit_import"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/criteria": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List criteria
         * @description The criteria of the library (K1) in document order, each with its standard (title, issuer, document number, article and item), its wording as published, the dates it is in force and its sources. Filter by sector, document number, grade, tag or a day in force. Every authenticated caller may read them.
         */
        get: operations["list_criteria"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/criteria/versions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List library versions
         * @description Every loaded version of the criteria library, newest (in force) first.
         */
        get: operations["list_versions"];
        put?: never;
        /**
         * Load a new library version
         * @description street_admin only. The whole library as document files in the format of `app/data/criteria` (one object per published document with its `standard` and `criteria`); it becomes the version in force, all or nothing. Every problem is a 422 naming `documents[i].criteria[j].field`. Hazards keep the version they cited.
         */
        post: operations["load_version"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/criteria/{criterion_code}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a criterion
         * @description One criterion by its code, of the version in force unless `version` is given; an unknown code answers 404.
         */
        get: operations["get_criterion"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/checklists": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List checklists
         * @description Checklist versions (the latest of each checklist unless `all_versions=true`), with their items. Every authenticated caller may read them. The page has an `ETag`: send it in `If-None-Match` to get 304 while nothing on the page changed.
         */
        get: operations["list_checklists"];
        put?: never;
        /**
         * Create a checklist
         * @description street_admin, or a department officer for sectors its department leads. Version 1 of a new checklist; items may be tied to criteria of the library (an item of a major-hazard criterion is major, K2).
         */
        post: operations["create_checklist"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/checklists/{checklist_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a checklist
         * @description One version of a checklist with its items. Send `If-None-Match` with the `ETag` you cached: 304 without a body while it is current. Every authenticated caller may read it; an unknown id answers 404.
         */
        get: operations["get_checklist"];
        /**
         * Change a checklist
         * @description The new name, sectors, tags and items of the latest version of a checklist. A version no inspection has used is changed in place (200, a new ETag); a version in use is never changed: the content becomes the next version (201, a new id, Location). An older version answers 409. Same roles as creating one.
         */
        put: operations["replace_checklist"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/checklists/{checklist_id}/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Most-failed items of a checklist
         * @description Per item of this version: how often the inspections the caller can see (A1) failed, passed or marked it not applicable, most failed first.
         */
        get: operations["checklist_stats"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/reminder-rules": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the reminder rules
         * @description Every reminder rule of R1 as it is in force: its defaults until a street_admin changed it. street_admin only. Reminders go out at 09:00 Asia/Shanghai on their day, never between 21:00 and 08:00.
         */
        get: operations["list_reminder_rules"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/reminder-rules/{code}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Read a reminder rule
         * @description One reminder rule of R1 as it is in force. street_admin only.
         */
        get: operations["get_reminder_rule"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Change a reminder rule
         * @description street_admin changes a rule's offsets, recipients, channels, repeat or turns it off (R1); fields left out stay. Offsets are whole days, none negative, none twice, within the rule's range; recipients must apply to the rule's subject. A bad value answers 422 naming the field. Reminders already made are not changed.
         */
        patch: operations["change_reminder_rule"];
        trace?: never;
    };
    "/api/v1/escalation-proposals": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List escalation proposals
         * @description Proposals of the escalation ladder (R3) for overdue major hazards, made by the daily job, oldest first, keyset paginated; each caller sees those of the hazards it can see (A1).
         */
        get: operations["list_escalation_proposals"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/escalation-proposals/{proposal_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Read an escalation proposal
         * @description One proposal (R3); one of a hazard the caller cannot see answers 404.
         */
        get: operations["get_escalation_proposal"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/escalation-proposals/{proposal_id}/accept": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Accept an escalation proposal
         * @description street_admin or supervisor accepts an open proposal: it becomes the H9 escalation of its step (函告, 通报, 约谈, 曝光; `escalation_id` links it) or, for `listing`, the hazard is listed (挂牌督办). A decided proposal answers 409; a hazard that has ended answers 409 too.
         */
        post: operations["accept_escalation_proposal"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/escalation-proposals/{proposal_id}/dismiss": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Dismiss an escalation proposal
         * @description street_admin or supervisor dismisses an open proposal with a reason (R3); the step is not proposed again in the hazard's overdue episode. A decided proposal answers 409.
         */
        post: operations["dismiss_escalation_proposal"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/jobs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List jobs of the job engine
         * @description The background jobs (reminders, deliveries, scans) by state, oldest first, keyset paginated; street_admin only. A job that failed every attempt stays `failed` with its last error: `?status=failed` lists them.
         */
        get: operations["list_jobs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/notifications": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List my notifications
         * @description The caller's own notifications (R5), newest first, keyset paginated: in-app ones and the deliveries addressed to the caller. `read=false` lists the unread ones.
         */
        get: operations["list_notifications"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/notifications/{notification_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a notification
         * @description One of the caller's own notifications, or a delivery to someone outside the service (a principal's text message, a group robot's message) whose cause the caller can see (A1); any other id answers 404.
         */
        get: operations["get_notification"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/notifications/{notification_id}/read": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Mark a notification read
         * @description Its recipient marks it read; marking it again keeps the first time. Others get 403 or 404.
         */
        post: operations["mark_read"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/notifications/{notification_id}/resend": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send a notification again
         * @description A delivery on an outbound channel (sms, email, wecom, dingtalk) that has ended (sent, failed or cancelled) goes out again from its first attempt; it is `pending` until the worker sends it. In-app notifications are not sent (422); one still pending answers 409.
         */
        post: operations["resend"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhook-subscriptions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List webhook subscriptions
         * @description The caller's subscriptions (street_admin: all), oldest first, keyset paginated.
         */
        get: operations["list_subscriptions"];
        put?: never;
        /**
         * Subscribe a URL to feed events
         * @description Every later feed event of the given types that the caller can see (A1) is POSTed to `url`, signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`), at least once and in feed order, with the resource as it is then. The secret is in this answer only. A URL that is not http(s), is over 2,000 characters or points at a private address → 422 naming `url`; an unknown event type → 422 naming `event_types`.
         */
        post: operations["create_subscription"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhook-subscriptions/{subscription_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a webhook subscription
         * @description One of the caller's subscriptions (street_admin: any); any other id answers 404.
         */
        get: operations["get_subscription"];
        put?: never;
        post?: never;
        /**
         * Delete a webhook subscription
         * @description Nothing more is delivered; its delivery log goes with it.
         */
        delete: operations["delete_subscription"];
        options?: never;
        head?: never;
        /**
         * Change a webhook subscription
         * @description Changes its URL (checked as on creation), event types, description or status: `active` enables a disabled subscription again, `disabled` stops it.
         */
        patch: operations["update_subscription"];
        trace?: never;
    };
    "/api/v1/webhook-subscriptions/{subscription_id}/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List a subscription's deliveries
         * @description The delivery log in feed order: each event's attempts, status and last answer.
         */
        get: operations["list_deliveries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhook-subscriptions/{subscription_id}/deliveries/{delivery_id}/redeliver": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Deliver an event again
         * @description The delivery goes out again with the same `webhook-id`, in its place in feed order.
         */
        post: operations["redeliver"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/hazards/{hazard_id}/notifications": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List a hazard's notifications
         * @description R4 (H8): the deliveries a hazard caused, with their status — for a major hazard, the text messages to its enterprise's principal and actual controller — as far as the caller may see them, oldest first.
         */
        get: operations["hazard_notifications"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/org-units/{org_unit_id}/robots": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List an org unit's group robots
         * @description The WeCom / DingTalk group robots that get the org unit's messages: for street_admin and the unit's own officers (others 403).
         */
        get: operations["list_robots"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/org-units/{org_unit_id}/robots/{channel}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Set an org unit's group robot
         * @description The org unit's WeCom or DingTalk group-robot webhook URL (street_admin). The URL must be http(s), at most 2,000 characters, and not point at a loopback, link-local or private address unless its host is listed in ANQUAN_WEBHOOK_ALLOWED_PRIVATE_HOSTS (422 naming `url`).
         */
        put: operations["put_robot"];
        post?: never;
        /**
         * Remove an org unit's group robot
         * @description Its messages on that channel are skipped from now on (street_admin).
         */
        delete: operations["delete_robot"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /**
         * @example {
         *       "note": "逾期未改，予以通报",
         *       "effective_on": "2025-05-16"
         *     }
         */
        AcceptProposal: {
            /** @description The escalation's note; the proposal's reason when left out. */
            note?: string | null;
            /** @description Business date of the escalation (default today). */
            effective_on?: string | null;
        };
        /**
         * @example {
         *       "comment": "督导到位，同意验收",
         *       "completed_on": "2025-06-28"
         *     }
         */
        AcceptTaskRequest: {
            comment?: string | null;
            /** @description Business date of the acceptance (default today, Asia/Shanghai); never in the future, never before the task was created. C3 counts rounds by this date. */
            completed_on?: string | null;
        };
        /**
         * @example {
         *       "id": "0193a5c1-6c0d-7e1f-8a2b-3c4d5e6f7a89",
         *       "sha256": "3b7f0b1c9d2e4a5f6b8c7d9e0a1b2c3d4e5f60718293a4b5c6d7e8f9012a3b4c",
         *       "content_type": "image/jpeg",
         *       "size": 482113,
         *       "filename": "储罐区报警器更换后.jpg",
         *       "created_at": "2025-04-28T16:35:51+08:00"
         *     }
         */
        AttachmentRead: {
            /** Format: uuid */
            id: string;
            /** @description SHA-256 of the content, lowercase hex. */
            sha256: string;
            /** @description Detected from the content, not from the name or declared type. */
            content_type: components["schemas"]["EvidenceType"];
            /** @description Bytes. */
            size: number;
            /** @description The uploaded file's name, without any path. */
            filename: string | null;
            /** Format: date-time */
            created_at: string;
        };
        /**
         * @description One successful write.
         * @example {
         *       "id": 5120,
         *       "seq": 5120,
         *       "at": "2025-03-05T10:02:11.031+08:00",
         *       "actor_id": "0193a5c0-0b01-7000-8000-00000000b001",
         *       "actor_role": "street_admin",
         *       "org_unit_id": "0193a5c0-0a01-7000-8000-00000000a001",
         *       "client_address": "10.20.3.41",
         *       "request_id": "9f1c2e7a4b6d8c0e1a2b3c4d",
         *       "method": "POST",
         *       "path": "/api/v1/hazards/0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d/plan",
         *       "action": "hazard.plan",
         *       "resource": "hazards",
         *       "resource_id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
         *       "status_code": 200,
         *       "prev_hash": "5d41402abc4b2a76b9719d911017c592ae2b8e1f0a9c3d7e6b5a4f3e2d1c0b9a",
         *       "hash": "7b52009b64fd0a2a49e6d8a939753077792b0554e8c1f0a9d3b7c6e5f4a3b2c1"
         *     }
         */
        AuditEntry: {
            id: number;
            /** @description Position in the hash chain: commit order. */
            seq: number;
            /** Format: date-time */
            at: string;
            actor_id: string | null;
            actor_role: string | null;
            org_unit_id: string | null;
            client_address: string | null;
            request_id: string | null;
            /** @description The HTTP request's; none for a command or a job. */
            method: components["schemas"]["WriteMethod"] | null;
            path: string | null;
            /** @description What was done, as the service says (e.g. `hazard.plan`). */
            action: string | null;
            resource: string | null;
            resource_id: string | null;
            status_code: number | null;
            prev_hash: string;
            hash: string;
        };
        /**
         * @example {
         *       "items": [
         *         {
         *           "id": 5120,
         *           "seq": 5120,
         *           "at": "2025-03-05T10:02:11.031+08:00",
         *           "actor_id": "0193a5c0-0b01-7000-8000-00000000b001",
         *           "actor_role": "street_admin",
         *           "org_unit_id": "0193a5c0-0a01-7000-8000-00000000a001",
         *           "client_address": "10.20.3.41",
         *           "request_id": "9f1c2e7a4b6d8c0e1a2b3c4d",
         *           "method": "POST",
         *           "path": "/api/v1/hazards/0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d/plan",
         *           "action": "hazard.plan",
         *           "resource": "hazards",
         *           "resource_id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
         *           "status_code": 200,
         *           "prev_hash": "5d41402abc4b2a76b9719d911017c592ae2b8e1f0a9c3d7e6b5a4f3e2d1c0b9a",
         *           "hash": "7b52009b64fd0a2a49e6d8a939753077792b0554e8c1f0a9d3b7c6e5f4a3b2c1"
         *         }
         *       ],
         *       "next_cursor": "AAAAAAAAE_8"
         *     }
         */
        AuditPage: {
            items: components["schemas"]["AuditEntry"][];
            next_cursor: string | null;
        };
        /**
         * @description An obligation's current period: done, still due, or not applicable to the unit.
         * @enum {string}
         */
        CadenceStatus: "done" | "due" | "not_applicable";
        /**
         * @example {
         *       "as_of": "2025-06-30",
         *       "current_phase": "special_rectification",
         *       "phases": [
         *         {
         *           "code": "mobilization",
         *           "name": "动员部署阶段",
         *           "starts_on": "2024-02-01",
         *           "ends_on": "2024-04-30",
         *           "status": "past"
         *         },
         *         {
         *           "code": "special_rectification",
         *           "name": "专项治理阶段",
         *           "starts_on": "2024-05-01",
         *           "ends_on": "2025-12-31",
         *           "status": "current"
         *         },
         *         {
         *           "code": "consolidation",
         *           "name": "巩固提升阶段",
         *           "starts_on": "2026-01-01",
         *           "ends_on": "2026-09-30",
         *           "status": "upcoming"
         *         },
         *         {
         *           "code": "evaluation",
         *           "name": "总结评估阶段",
         *           "starts_on": "2026-10-01",
         *           "ends_on": "2026-12-31",
         *           "status": "upcoming"
         *         }
         *       ]
         *     }
         */
        Campaign: {
            /** Format: date */
            as_of: string;
            current_phase: string | null;
            phases: components["schemas"]["PhaseRead"][];
        };
        Cause: {
            /**
             * @description What caused it: `major_hazard` (H8), a reminder rule, `webhook_disabled` ...
             * @example major_hazard
             */
            rule: string;
            /** @example hazards */
            resource: string | null;
            resource_id?: string | null;
        };
        /**
         * @description R5 channels. `in_app` always works; the others are skipped when not configured.
         * @enum {string}
         */
        Channel: "in_app" | "sms" | "email" | "wecom" | "dingtalk";
        /** @enum {string} */
        CheckResult: "pass" | "fail" | "not_applicable";
        /**
         * @example {
         *       "name": "有限空间作业检查表",
         *       "sectors": [
         *         "industry_trade"
         *       ],
         *       "tags": [
         *         "confined_space"
         *       ],
         *       "items": [
         *         {
         *           "text": "未对有限空间进行辨识、建立安全管理台账，并且未设置明显的安全警示标志的",
         *           "criterion_code": "GMQY-2023-13-1"
         *         },
         *         {
         *           "text": "作业现场配备的通风、检测设备完好"
         *         }
         *       ]
         *     }
         */
        ChecklistCreate: {
            name: string;
            /** @description Sector codes it is for. */
            sectors?: string[];
            /** @description Enterprise tags it is for. */
            tags?: components["schemas"]["EnterpriseTag"][];
            items: components["schemas"]["ChecklistItemIn"][];
        };
        /**
         * @example {
         *       "text": "未对有限空间进行辨识、建立安全管理台账，并且未设置明显的安全警示标志的",
         *       "criterion_code": "GMQY-2023-13-1"
         *     }
         */
        ChecklistItemIn: {
            /** @description What the inspector checks. */
            text: string;
            /** @description The criterion a failure of it meets (K1). */
            criterion_code?: string | null;
            /** @description The grade of the hazard a failure becomes; default: the criterion's, else general. An item tied to a major-hazard criterion is major (K2). */
            grade?: components["schemas"]["Grade"] | null;
        };
        /**
         * @example {
         *       "id": "0193a5c0-6a2b-7c3d-8e4f-5a6b7c8d9e02",
         *       "position": 1,
         *       "text": "未对有限空间进行辨识、建立安全管理台账，并且未设置明显的安全警示标志的",
         *       "criterion_code": "GMQY-2023-13-1",
         *       "grade": "major"
         *     }
         */
        ChecklistItemRead: {
            /** Format: uuid */
            id: string;
            position: number;
            text: string;
            criterion_code: string | null;
            grade: components["schemas"]["Grade"];
        };
        /**
         * @example {
         *       "item_id": "0193a5c0-6a2b-7c3d-8e4f-5a6b7c8d9e02",
         *       "position": 1,
         *       "text": "未对有限空间进行辨识、建立安全管理台账，并且未设置明显的安全警示标志的",
         *       "criterion_code": "GMQY-2023-13-1",
         *       "grade": "major",
         *       "failed": 3,
         *       "passed": 9,
         *       "not_applicable": 0,
         *       "fail_rate": 0.25
         *     }
         */
        ChecklistItemStat: {
            /** Format: uuid */
            item_id: string;
            position: number;
            text: string;
            criterion_code: string | null;
            grade: components["schemas"]["Grade"];
            failed: number;
            passed: number;
            not_applicable: number;
            /** @description failed / (failed + passed); null when never checked. */
            fail_rate: number | null;
        };
        /**
         * @example {
         *       "items": [
         *         {
         *           "id": "0193a5c0-6a2b-7c3d-8e4f-5a6b7c8d9e01",
         *           "series_id": "0193a5c0-6a2b-7c3d-8e4f-5a6b7c8d9e01",
         *           "name": "有限空间作业检查表",
         *           "version": 1,
         *           "sectors": [
         *             "industry_trade"
         *           ],
         *           "tags": [
         *             "confined_space"
         *           ],
         *           "is_default": false,
         *           "latest": true,
         *           "items": [
         *             {
         *               "id": "0193a5c0-6a2b-7c3d-8e4f-5a6b7c8d9e02",
         *               "position": 1,
         *               "text": "未对有限空间进行辨识、建立安全管理台账，并且未设置明显的安全警示标志的",
         *               "criterion_code": "GMQY-2023-13-1",
         *               "grade": "major"
         *             }
         *           ],
         *           "created_at": "2026-12-01T08:00:00Z",
         *           "updated_at": "2026-12-01T08:00:00Z"
         *         }
         *       ],
         *       "next_cursor": null
         *     }
         */
        ChecklistPage: {
            items: components["schemas"]["ChecklistRead"][];
            next_cursor: string | null;
        };
        /**
         * @example {
         *       "id": "0193a5c0-6a2b-7c3d-8e4f-5a6b7c8d9e01",
         *       "series_id": "0193a5c0-6a2b-7c3d-8e4f-5a6b7c8d9e01",
         *       "name": "有限空间作业检查表",
         *       "version": 1,
         *       "sectors": [
         *         "industry_trade"
         *       ],
         *       "tags": [
         *         "confined_space"
         *       ],
         *       "is_default": false,
         *       "latest": true,
         *       "items": [
         *         {
         *           "id": "0193a5c0-6a2b-7c3d-8e4f-5a6b7c8d9e02",
         *           "position": 1,
         *           "text": "未对有限空间进行辨识、建立安全管理台账，并且未设置明显的安全警示标志的",
         *           "criterion_code": "GMQY-2023-13-1",
         *           "grade": "major"
         *         }
         *       ],
         *       "created_at": "2026-12-01T08:00:00Z",
         *       "updated_at": "2026-12-01T08:00:00Z"
         *     }
         */
        ChecklistRead: {
            /**
             * Format: uuid
             * @description This version's id: what an inspection's `checklist_id` names.
             */
            id: string;
            /**
             * Format: uuid
             * @description The id shared by every version of this checklist.
             */
            series_id: string;
            name: string;
            version: number;
            sectors: string[];
            tags: components["schemas"]["EnterpriseTag"][];
            /** @description Built from the criteria library for its sector. */
            is_default: boolean;
            /** @description Whether this is the latest version of the checklist. */
            latest: boolean;
            items: components["schemas"]["ChecklistItemRead"][];
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
        };
        /**
         * @example {
         *       "checklist_id": "0193a5c0-6a2b-7c3d-8e4f-5a6b7c8d9e01",
         *       "inspections": 12,
         *       "items": [
         *         {
         *           "item_id": "0193a5c0-6a2b-7c3d-8e4f-5a6b7c8d9e02",
         *           "position": 1,
         *           "text": "未对有限空间进行辨识、建立安全管理台账，并且未设置明显的安全警示标志的",
         *           "criterion_code": "GMQY-2023-13-1",
         *           "grade": "major",
         *           "failed": 3,
         *           "passed": 9,
         *           "not_applicable": 0,
         *           "fail_rate": 0.25
         *         }
         *       ]
         *     }
         */
        ChecklistStats: {
            /** Format: uuid */
            checklist_id: string;
            /** @description Inspections with this version the caller can see. */
            inspections: number;
            /** @description Every item, most failed first. */
            items: components["schemas"]["ChecklistItemStat"][];
        };
        /**
         * @example {
         *       "skip_invalid": true
         *     }
         */
        CommitRequest: {
            /**
             * @description Import the valid rows and leave out the invalid and duplicate ones. Without it an import with any error is refused (409 `import_has_errors`), never committed silently (I2).
             * @default false
             */
            skip_invalid: boolean;
        };
        /**
         * @description Which enterprises a compliance list shows: a current period `due`, periods `missed`, all `done`.
         * @enum {string}
         */
        ComplianceFilter: "due" | "missed" | "done";
        /**
         * @example {
         *       "as_of": "2025-06-30",
         *       "summary": {
         *         "enterprises": 200,
         *         "principal_inspection": {
         *           "applicable": 186,
         *           "done": 141,
         *           "due": 45,
         *           "not_applicable": 14,
         *           "with_missed": 23,
         *           "missed_periods": 31,
         *           "rate": 0.758
         *         },
         *         "drill": {
         *           "applicable": 186,
         *           "done": 120,
         *           "due": 66,
         *           "not_applicable": 14,
         *           "with_missed": 9,
         *           "missed_periods": 9,
         *           "rate": 0.645
         *         }
         *       },
         *       "items": [
         *         {
         *           "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
         *           "name": "【演示】东湖化工005有限公司",
         *           "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *           "sector": "hazardous_chemicals",
         *           "high_risk": true,
         *           "status": "active",
         *           "principal_inspection": {
         *             "period": "2025-06",
         *             "status": "due",
         *             "missed_periods": 1
         *           },
         *           "drill": {
         *             "period": "2025-H1",
         *             "status": "done",
         *             "missed_periods": 0
         *           }
         *         }
         *       ],
         *       "next_cursor": "AZOlwCs8fU6fWmt8jZ4PEg"
         *     }
         */
        CompliancePage: {
            /** Format: date */
            as_of: string;
            summary: components["schemas"]["ComplianceSummary"];
            items: components["schemas"]["EnterpriseCompliance"][];
            next_cursor: string | null;
        };
        /**
         * @example {
         *       "enterprises": 200,
         *       "principal_inspection": {
         *         "applicable": 186,
         *         "done": 141,
         *         "due": 45,
         *         "not_applicable": 14,
         *         "with_missed": 23,
         *         "missed_periods": 31,
         *         "rate": 0.758
         *       },
         *       "drill": {
         *         "applicable": 186,
         *         "done": 120,
         *         "due": 66,
         *         "not_applicable": 14,
         *         "with_missed": 9,
         *         "missed_periods": 9,
         *         "rate": 0.645
         *       }
         *     }
         */
        ComplianceSummary: {
            enterprises: number;
            principal_inspection: components["schemas"]["ObligationSummary"];
            drill: components["schemas"]["ObligationSummary"];
        };
        /**
         * @example {
         *       "name": "张先生",
         *       "phone": "13800138000"
         *     }
         */
        ContactRead: {
            name: string | null;
            phone: string | null;
        };
        Counts: {
            /**
             * @description Rows that pass every check: what a commit writes.
             * @example 1198
             */
            valid: number;
            /**
             * @description Rows with at least one error other than a duplicate.
             * @example 4
             */
            invalid: number;
            /**
             * @description Rows whose only errors are duplicates: of an earlier row of the file, or of what is registered (a credit code; the same enterprise, hazard title and discovered date; a hazard id).
             * @example 1
             */
            duplicates: number;
        };
        /** @description One document file of the library: the document and its criteria. */
        CriteriaDocumentFile: {
            standard: components["schemas"]["CriteriaStandardFile"];
            criteria: components["schemas"]["CriterionFile"][];
        };
        /** @description Where the wording of a document's articles was checked. */
        CriteriaSourceFile: {
            id: string;
            official: boolean;
            location: string;
            note: string;
        };
        /** @description A published document, as in app/data/criteria. */
        CriteriaStandardFile: {
            title: string;
            issuer: string;
            number: string;
            published_on?: string | null;
            effective_from: string;
            effective_to?: string | null;
            source?: string | null;
            complete: boolean;
            sources?: components["schemas"]["CriteriaSourceFile"][];
            missing?: string[];
            notes?: string[];
        };
        /**
         * @description A whole new version of the library: every document file, in the format of
         *     app/data/criteria (README there).
         * @example {
         *       "note": "2026年版",
         *       "documents": [
         *         {
         *           "standard": {
         *             "title": "工贸企业重大事故隐患判定标准",
         *             "issuer": "应急管理部",
         *             "number": "应急管理部令第10号",
         *             "published_on": "2023-04-14",
         *             "effective_from": "2023-05-15",
         *             "effective_to": null,
         *             "complete": false,
         *             "sources": [],
         *             "missing": [],
         *             "notes": []
         *           },
         *           "criteria": [
         *             {
         *               "code": "GMQY-2023-14",
         *               "article": "第十四条",
         *               "item": null,
         *               "article_text": null,
         *               "text": "本标准所列情形中直接关系生产安全的监控、报警、防护等设施、设备、装置，应当保证正常运行、使用，失效或者无效均判定为重大事故隐患。",
         *               "sectors": [
         *                 "industry_trade"
         *               ],
         *               "tags": [],
         *               "grade": "major",
         *               "source_ids": []
         *             }
         *           ]
         *         }
         *       ]
         *     }
         */
        CriteriaVersionCreate: {
            note?: string | null;
            /** @description One object per published document. */
            documents: components["schemas"]["CriteriaDocumentFile"][];
        };
        /**
         * @example {
         *       "items": [
         *         {
         *           "version": 2,
         *           "note": "2026年版",
         *           "criteria_count": 85,
         *           "loaded_by": "0193a5c0-2b3c-7d4e-8f5a-6b7c8d9e0f11",
         *           "loaded_at": "2026-12-01T08:00:00Z"
         *         }
         *       ]
         *     }
         */
        CriteriaVersionList: {
            items: components["schemas"]["CriteriaVersionRead"][];
        };
        /**
         * @example {
         *       "version": 2,
         *       "note": "2026年版",
         *       "criteria_count": 85,
         *       "loaded_by": "0193a5c0-2b3c-7d4e-8f5a-6b7c8d9e0f11",
         *       "loaded_at": "2026-12-01T08:00:00Z"
         *     }
         */
        CriteriaVersionRead: {
            version: number;
            note: string | null;
            criteria_count: number;
            /** @description The user who loaded it; null for the version the installation loaded. */
            loaded_by: string | null;
            /** Format: date-time */
            loaded_at: string;
        };
        /** @description One criterion of a document, its wording as published. */
        CriterionFile: {
            code: string;
            article?: string | null;
            item?: string | null;
            article_text?: string | null;
            text: string;
            sectors: string[];
            tags?: string[];
            grade: string;
            source_ids?: string[];
        };
        /**
         * @example {
         *       "items": [
         *         {
         *           "code": "GMQY-2023-13-1",
         *           "version": 1,
         *           "sectors": [
         *             "industry_trade"
         *           ],
         *           "tags": [
         *             "confined_space"
         *           ],
         *           "grade": "major",
         *           "standard": {
         *             "title": "工贸企业重大事故隐患判定标准",
         *             "issuer": "应急管理部",
         *             "number": "应急管理部令第10号",
         *             "article": "第十三条",
         *             "item": "（一）",
         *             "article_text": "存在硫化氢、一氧化碳等中毒风险的有限空间作业的工贸企业有下列情形之一的，应当判定为重大事故隐患：",
         *             "published_on": "2023-04-14",
         *             "complete": false
         *           },
         *           "text": "未对有限空间进行辨识、建立安全管理台账，并且未设置明显的安全警示标志的",
         *           "effective_from": "2023-05-15",
         *           "effective_to": null,
         *           "sources": [
         *             {
         *               "id": "S10",
         *               "official": false,
         *               "location": "http://www.hftpay.net/news/show/229.html",
         *               "note": "繁体转换页：第三条、第十二条全文、第十三条（一）"
         *             }
         *           ]
         *         }
         *       ],
         *       "next_cursor": "AAAAAAAAAGQ"
         *     }
         */
        CriterionPage: {
            items: components["schemas"]["CriterionRead"][];
            next_cursor: string | null;
        };
        /**
         * @example {
         *       "code": "GMQY-2023-13-1",
         *       "version": 1,
         *       "sectors": [
         *         "industry_trade"
         *       ],
         *       "tags": [
         *         "confined_space"
         *       ],
         *       "grade": "major",
         *       "standard": {
         *         "title": "工贸企业重大事故隐患判定标准",
         *         "issuer": "应急管理部",
         *         "number": "应急管理部令第10号",
         *         "article": "第十三条",
         *         "item": "（一）",
         *         "article_text": "存在硫化氢、一氧化碳等中毒风险的有限空间作业的工贸企业有下列情形之一的，应当判定为重大事故隐患：",
         *         "published_on": "2023-04-14",
         *         "complete": false
         *       },
         *       "text": "未对有限空间进行辨识、建立安全管理台账，并且未设置明显的安全警示标志的",
         *       "effective_from": "2023-05-15",
         *       "effective_to": null,
         *       "sources": [
         *         {
         *           "id": "S10",
         *           "official": false,
         *           "location": "http://www.hftpay.net/news/show/229.html",
         *           "note": "繁体转换页：第三条、第十二条全文、第十三条（一）"
         *         }
         *       ]
         *     }
         */
        CriterionRead: {
            code: string;
            /** @description The library version this record belongs to. */
            version: number;
            sectors: string[];
            tags: string[];
            grade: components["schemas"]["Grade"];
            standard: components["schemas"]["StandardRead"];
            /** @description The criterion's wording, as published. */
            text: string;
            /** Format: date */
            effective_from: string;
            /** @description The last day in force (inclusive); null while in force. */
            effective_to: string | null;
            /** @description Where the wording was taken from and compared with. */
            sources: {
                [key: string]: unknown;
            }[];
        };
        /**
         * @example {
         *       "as_of": "2025-06-30",
         *       "campaign_phase": "special_rectification",
         *       "major_hazards": {
         *         "open": 4,
         *         "overdue": 1,
         *         "listed": 2
         *       },
         *       "targets": [
         *         {
         *           "code": "stock_cleared",
         *           "year": 2024,
         *           "status": "met",
         *           "figures": {
         *             "stock_total": 42,
         *             "open_stock": 0,
         *             "closed_by_deadline": 42,
         *             "open_at_deadline": 0,
         *             "overdue_open_stock": 0
         *           }
         *         },
         *         {
         *           "code": "increment_reduced",
         *           "year": 2025,
         *           "status": "on_track",
         *           "figures": {
         *             "count_ytd": 17,
         *             "count_prev_same_dates": 25
         *           }
         *         },
         *         {
         *           "code": "dynamic_zero",
         *           "year": 2026,
         *           "status": "at_risk",
         *           "figures": {
         *             "open_major": 2,
         *             "overdue_open_major": 1,
         *             "overdue_open_major_at_year_end": 0
         *           }
         *         }
         *       ],
         *       "compliance": {
         *         "enterprises": 200,
         *         "principal_inspection": {
         *           "applicable": 186,
         *           "done": 141,
         *           "due": 45,
         *           "not_applicable": 14,
         *           "with_missed": 23,
         *           "missed_periods": 31,
         *           "rate": 0.758
         *         },
         *         "drill": {
         *           "applicable": 186,
         *           "done": 120,
         *           "due": 66,
         *           "not_applicable": 14,
         *           "with_missed": 9,
         *           "missed_periods": 9,
         *           "rate": 0.645
         *         }
         *       },
         *       "supervision": {
         *         "units": 18,
         *         "done": 15,
         *         "due": 3,
         *         "with_missed": 1,
         *         "coverage": 0.833
         *       },
         *       "risk_levels": {
         *         "red": 3,
         *         "orange": 12,
         *         "yellow": 140,
         *         "blue": 845,
         *         "overridden": 4
         *       },
         *       "by_village": [
         *         {
         *           "key": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *           "label": "【演示】东湖村",
         *           "open_major": 1,
         *           "overdue_major": 0,
         *           "principal_inspection_rate": 0.8,
         *           "drill_rate": 0.65,
         *           "targets": [
         *             {
         *               "code": "stock_cleared",
         *               "year": 2024,
         *               "status": "met",
         *               "figures": {
         *                 "stock_total": 42,
         *                 "open_stock": 0,
         *                 "closed_by_deadline": 42,
         *                 "open_at_deadline": 0,
         *                 "overdue_open_stock": 0
         *               }
         *             },
         *             {
         *               "code": "increment_reduced",
         *               "year": 2025,
         *               "status": "on_track",
         *               "figures": {
         *                 "count_ytd": 17,
         *                 "count_prev_same_dates": 25
         *               }
         *             },
         *             {
         *               "code": "dynamic_zero",
         *               "year": 2026,
         *               "status": "at_risk",
         *               "figures": {
         *                 "open_major": 2,
         *                 "overdue_open_major": 1,
         *                 "overdue_open_major_at_year_end": 0
         *               }
         *             }
         *           ]
         *         }
         *       ],
         *       "by_sector": [
         *         {
         *           "key": "hazardous_chemicals",
         *           "label": "危险化学品",
         *           "open_major": 1,
         *           "overdue_major": 0,
         *           "principal_inspection_rate": 0.8,
         *           "drill_rate": 0.65,
         *           "targets": [
         *             {
         *               "code": "stock_cleared",
         *               "year": 2024,
         *               "status": "met",
         *               "figures": {
         *                 "stock_total": 42,
         *                 "open_stock": 0,
         *                 "closed_by_deadline": 42,
         *                 "open_at_deadline": 0,
         *                 "overdue_open_stock": 0
         *               }
         *             },
         *             {
         *               "code": "increment_reduced",
         *               "year": 2025,
         *               "status": "on_track",
         *               "figures": {
         *                 "count_ytd": 17,
         *                 "count_prev_same_dates": 25
         *               }
         *             },
         *             {
         *               "code": "dynamic_zero",
         *               "year": 2026,
         *               "status": "at_risk",
         *               "figures": {
         *                 "open_major": 2,
         *                 "overdue_open_major": 1,
         *                 "overdue_open_major_at_year_end": 0
         *               }
         *             }
         *           ]
         *         }
         *       ]
         *     }
         */
        Dashboard: {
            /** Format: date */
            as_of: string;
            campaign_phase: string | null;
            major_hazards: components["schemas"]["MajorHazardFigures"];
            targets: components["schemas"]["Target"][];
            compliance: components["schemas"]["ComplianceSummary"];
            supervision: components["schemas"]["SupervisionSummary"];
            /** @description The enterprises in scope at each risk level today (K4, overrides included), whatever `as_of`: the levels of `GET /api/v1/enterprises?risk_level=…`, which add up to the enterprises in scope. */
            risk_levels: components["schemas"]["RiskLevelCounts"];
            by_village: components["schemas"]["GroupFigures"][];
            by_sector: components["schemas"]["GroupFigures"][];
        };
        /**
         * @description R6: `pending` (waiting, or retrying), `delivered` (a 2xx answer), `failed` (the subscription was disabled
         *     on it).
         * @enum {string}
         */
        DeliveryStatus: "pending" | "delivered" | "failed";
        /**
         * @example {
         *       "as_of": "2025-06-30",
         *       "items": [
         *         {
         *           "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
         *           "name": "【演示】东湖化工005有限公司",
         *           "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *           "sector": "hazardous_chemicals",
         *           "status": "active",
         *           "risk_level": "yellow",
         *           "kind": "half_year",
         *           "differentiated_inspection": {
         *             "period": "2025-H2",
         *             "status": "due",
         *             "missed_periods": 1,
         *             "missed": [
         *               "2025-04"
         *             ]
         *           }
         *         }
         *       ],
         *       "next_cursor": null
         *     }
         */
        DifferentiatedPage: {
            /** Format: date */
            as_of: string;
            items: components["schemas"]["EnterpriseDifferentiated"][];
            next_cursor: string | null;
        };
        /**
         * @example {
         *       "period": "2025-H2",
         *       "status": "due",
         *       "missed_periods": 1,
         *       "missed": [
         *         "2025-04"
         *       ]
         *     }
         */
        DifferentiatedStatus: {
            /** @description The shortest owed period containing `as_of` (2025-06, 2025-Q2, 2025-H1 or 2025). */
            period: string | null;
            status: components["schemas"]["CadenceStatus"];
            missed_periods: number;
            /** @description Labels of the owed past periods without a department inspection. */
            missed: string[];
        };
        /**
         * @example {
         *       "reason": "企业已提交整改验收申请，暂不通报"
         *     }
         */
        DismissProposal: {
            /** @description Why the step is not taken; required. */
            reason: string;
        };
        /**
         * @example {
         *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
         *       "kind": "evacuation",
         *       "held_on": "2025-05-12",
         *       "participants": 86,
         *       "scenario": "二楼配电间起火，全员疏散至东侧广场"
         *     }
         */
        DrillCreate: {
            /** Format: uuid */
            enterprise_id: string;
            /** @description C2 counts `evacuation` drills. */
            kind: components["schemas"]["DrillKind"];
            /**
             * Format: date
             * @description The day the drill was held; not in the future (Asia/Shanghai).
             */
            held_on: string;
            participants: number;
            scenario?: string | null;
            notes?: string | null;
        };
        /**
         * @description The kind of drill; C2 counts `evacuation`.
         * @enum {string}
         */
        DrillKind: "evacuation" | "fire" | "hazardous_chemical_leak" | "confined_space_rescue" | "special_equipment" | "other";
        /**
         * @example {
         *       "items": [
         *         {
         *           "id": "0193a5c1-1d5e-7f6a-9b7c-8d9e0f1a2b34",
         *           "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
         *           "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *           "sector": "hazardous_chemicals",
         *           "kind": "evacuation",
         *           "held_on": "2025-05-12",
         *           "participants": 86,
         *           "scenario": "二楼配电间起火，全员疏散至东侧广场",
         *           "notes": null,
         *           "created_by": "0193a5c0-0b06-7000-8000-00000000b006",
         *           "created_at": "2025-05-12T17:05:12.300+08:00"
         *         }
         *       ],
         *       "next_cursor": null
         *     }
         */
        DrillPage: {
            items: components["schemas"]["DrillRead"][];
            next_cursor: string | null;
        };
        /**
         * @example {
         *       "id": "0193a5c1-1d5e-7f6a-9b7c-8d9e0f1a2b34",
         *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
         *       "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *       "sector": "hazardous_chemicals",
         *       "kind": "evacuation",
         *       "held_on": "2025-05-12",
         *       "participants": 86,
         *       "scenario": "二楼配电间起火，全员疏散至东侧广场",
         *       "notes": null,
         *       "created_by": "0193a5c0-0b06-7000-8000-00000000b006",
         *       "created_at": "2025-05-12T17:05:12.300+08:00"
         *     }
         */
        DrillRead: {
            /** Format: uuid */
            id: string;
            /** Format: uuid */
            enterprise_id: string;
            /** Format: uuid */
            village_id: string;
            sector: string;
            kind: components["schemas"]["DrillKind"];
            /** Format: date */
            held_on: string;
            participants: number;
            scenario: string | null;
            notes: string | null;
            created_by: string | null;
            /** Format: date-time */
            created_at: string;
        };
        /**
         * @example {
         *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
         *       "name": "【演示】东湖化工005有限公司",
         *       "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *       "sector": "hazardous_chemicals",
         *       "high_risk": true,
         *       "status": "active",
         *       "principal_inspection": {
         *         "period": "2025-06",
         *         "status": "due",
         *         "missed_periods": 1
         *       },
         *       "drill": {
         *         "period": "2025-H1",
         *         "status": "done",
         *         "missed_periods": 0
         *       }
         *     }
         */
        EnterpriseCompliance: {
            /** Format: uuid */
            enterprise_id: string;
            name: string;
            /** Format: uuid */
            village_id: string;
            sector: string;
            high_risk: boolean;
            status: components["schemas"]["EnterpriseStatus"];
            /** @description C1 */
            principal_inspection: components["schemas"]["ObligationStatus"];
            /** @description C2 */
            drill: components["schemas"]["ObligationStatus"];
        };
        /**
         * @example {
         *       "name": "东湖精细化工有限公司",
         *       "credit_code": "91340100MA2N0K1X2B",
         *       "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *       "sector": "hazardous_chemicals",
         *       "registered_on": "2021-05-10",
         *       "tags": [
         *         "confined_space"
         *       ],
         *       "principal": {
         *         "name": "王强",
         *         "phone": "13800138000"
         *       },
         *       "actual_controller": {
         *         "name": "王建国",
         *         "phone": "13900139000"
         *       },
         *       "standardization_level": "3"
         *     }
         */
        EnterpriseCreate: {
            name: string;
            /** @description 统一社会信用代码, GB 32100-2015, check character validated. */
            credit_code: string;
            /** Format: uuid */
            village_id: string;
            /** @description A sector code from GET /sectors. */
            sector: string;
            /** @description Defaults from the sector (高危行业领域). */
            high_risk?: boolean | null;
            /** @default active */
            status: components["schemas"]["EnterpriseStatus"];
            /** Format: date */
            registered_on: string;
            tags?: components["schemas"]["EnterpriseTag"][];
            principal: components["schemas"]["Person"];
            actual_controller: components["schemas"]["Person"];
            address?: string | null;
            /** @default none */
            standardization_level: components["schemas"]["StandardizationLevel"];
            /** @default false */
            benchmark: boolean;
            /** @description WGS-84 coordinates (K6), for the map. */
            location?: components["schemas"]["Location"] | null;
        };
        /**
         * @example {
         *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
         *       "name": "【演示】东湖化工005有限公司",
         *       "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *       "sector": "hazardous_chemicals",
         *       "status": "active",
         *       "risk_level": "yellow",
         *       "kind": "half_year",
         *       "differentiated_inspection": {
         *         "period": "2025-H2",
         *         "status": "due",
         *         "missed_periods": 1,
         *         "missed": [
         *           "2025-04"
         *         ]
         *       }
         *     }
         */
        EnterpriseDifferentiated: {
            /** Format: uuid */
            enterprise_id: string;
            name: string;
            /** Format: uuid */
            village_id: string;
            sector: string;
            status: string;
            /** @description The K4 level in force on `as_of` (an override, else the computed level). */
            risk_level: string;
            /** @description The cadence that level sets: month, quarter, half_year or year. */
            kind: string;
            differentiated_inspection: components["schemas"]["DifferentiatedStatus"];
        };
        /**
         * @example {
         *       "items": [
         *         {
         *           "id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
         *           "name": "【演示】东湖化工005有限公司",
         *           "credit_code": "91340100MA2N0K1X2B",
         *           "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *           "sector": "hazardous_chemicals",
         *           "high_risk": true,
         *           "status": "active",
         *           "registered_on": "2019-05-10",
         *           "tags": [
         *             "confined_space"
         *           ],
         *           "principal": {
         *             "name": "王强",
         *             "phone": "13800138000"
         *           },
         *           "actual_controller": {
         *             "name": "王建国",
         *             "phone": "13900139000"
         *           },
         *           "address": "东湖村工业园区三路12号",
         *           "standardization_level": "3",
         *           "benchmark": false,
         *           "location": {
         *             "lng": 117.2272,
         *             "lat": 31.8206
         *           },
         *           "created_at": "2025-03-02T09:15:27.412+08:00",
         *           "updated_at": "2025-04-28T16:40:03.118+08:00"
         *         }
         *       ],
         *       "next_cursor": "AZOlwCs8fU6fWmt8jZ4PEg"
         *     }
         */
        EnterprisePage: {
            items: components["schemas"]["EnterpriseRead"][];
            next_cursor: string | null;
        };
        /**
         * @example {
         *       "id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
         *       "name": "【演示】东湖化工005有限公司",
         *       "credit_code": "91340100MA2N0K1X2B",
         *       "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *       "sector": "hazardous_chemicals",
         *       "high_risk": true,
         *       "status": "active",
         *       "registered_on": "2019-05-10",
         *       "tags": [
         *         "confined_space"
         *       ],
         *       "principal": {
         *         "name": "王强",
         *         "phone": "13800138000"
         *       },
         *       "actual_controller": {
         *         "name": "王建国",
         *         "phone": "13900139000"
         *       },
         *       "address": "东湖村工业园区三路12号",
         *       "standardization_level": "3",
         *       "benchmark": false,
         *       "location": {
         *         "lng": 117.2272,
         *         "lat": 31.8206
         *       },
         *       "created_at": "2025-03-02T09:15:27.412+08:00",
         *       "updated_at": "2025-04-28T16:40:03.118+08:00"
         *     }
         */
        EnterpriseRead: {
            /** Format: uuid */
            id: string;
            name: string;
            credit_code: string;
            /** Format: uuid */
            village_id: string;
            sector: string;
            high_risk: boolean;
            status: components["schemas"]["EnterpriseStatus"];
            /** Format: date */
            registered_on: string;
            tags: components["schemas"]["EnterpriseTag"][];
            principal: components["schemas"]["PersonRead"];
            actual_controller: components["schemas"]["PersonRead"];
            address: string | null;
            standardization_level: components["schemas"]["StandardizationLevel"];
            benchmark: boolean;
            location: components["schemas"]["LocationRead"] | null;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
        };
        /** @enum {string} */
        EnterpriseStatus: "active" | "suspended" | "closed";
        /** @enum {string} */
        EnterpriseTag: "hospital_grade2" | "hospital_grade3" | "dust_explosion" | "ammonia_refrigeration" | "confined_space" | "large_commercial_complex";
        /**
         * @example {
         *       "status": "suspended",
         *       "effective_on": "2025-03-01"
         *     }
         */
        EnterpriseUpdate: {
            name?: string;
            /** Format: uuid */
            village_id?: string;
            sector?: string;
            /** @description null: back to the sector's default. */
            high_risk?: boolean | null;
            status?: components["schemas"]["EnterpriseStatus"];
            /** Format: date */
            registered_on?: string;
            tags?: components["schemas"]["EnterpriseTag"][];
            principal?: components["schemas"]["Person"];
            actual_controller?: components["schemas"]["Person"];
            address?: string | null;
            standardization_level?: components["schemas"]["StandardizationLevel"];
            benchmark?: boolean;
            /** @description WGS-84 coordinates (K6); null removes them. */
            location?: components["schemas"]["Location"] | null;
            /** @description Business date a change of status or high-risk took effect (default today, Asia/Shanghai); never in the future. The cadence engine uses it. */
            effective_on?: string | null;
        };
        /**
         * @description How the errors come: a JSON page, or the failing rows as a workbook.
         * @enum {string}
         */
        ErrorsFormat: "json" | "xlsx";
        /**
         * @example {
         *       "kind": "letter",
         *       "note": "整改进度滞后，函告企业主要负责人",
         *       "effective_on": "2025-04-10"
         *     }
         */
        EscalationCreate: {
            /** @description 函告 letter, 通报 circular, 约谈 interview, 曝光 exposure */
            kind: components["schemas"]["EscalationKind"];
            note: string;
            /** @description Business date the step took effect (default today, Asia/Shanghai); never in the future, never before the previous step (H7). */
            effective_on?: string | null;
        };
        /**
         * @description H9: 函告 letter, 通报 circular, 约谈 interview, 曝光 exposure.
         * @enum {string}
         */
        EscalationKind: "letter" | "circular" | "interview" | "exposure";
        /**
         * @example {
         *       "items": [
         *         {
         *           "id": "0193a5c1-7d1e-7f2a-9b3c-4d5e6f7a8b9a",
         *           "hazard_id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
         *           "org_unit_id": null,
         *           "kind": "letter",
         *           "note": "整改进度滞后，函告企业主要负责人",
         *           "effective_on": "2025-04-10",
         *           "created_by": "0193a5c0-0b01-7000-8000-00000000b001",
         *           "created_at": "2025-04-10T08:30:00+08:00"
         *         }
         *       ]
         *     }
         */
        EscalationList: {
            items: components["schemas"]["EscalationRead"][];
        };
        /**
         * @example {
         *       "items": [
         *         {
         *           "id": "0193a5c2-4a1b-7c2d-8e3f-4a5b6c7d8e9f",
         *           "hazard_id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
         *           "step": "circular",
         *           "episode": "2025-04-30",
         *           "overdue_days": 16,
         *           "reason": "重大事故隐患逾期16天，建议通报",
         *           "status": "open",
         *           "escalation_id": null,
         *           "proposed_on": "2025-05-16",
         *           "decided_by": null,
         *           "decided_at": null,
         *           "dismissed_reason": null,
         *           "created_at": "2025-05-16T00:30:00Z"
         *         }
         *       ],
         *       "next_cursor": null
         *     }
         */
        EscalationProposalPage: {
            items: components["schemas"]["EscalationProposalRead"][];
            /** @description Pass as `cursor` for the next page; null on the last page. */
            next_cursor: string | null;
        };
        /**
         * @example {
         *       "id": "0193a5c2-4a1b-7c2d-8e3f-4a5b6c7d8e9f",
         *       "hazard_id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
         *       "step": "circular",
         *       "episode": "2025-04-30",
         *       "overdue_days": 16,
         *       "reason": "重大事故隐患逾期16天，建议通报",
         *       "status": "open",
         *       "escalation_id": null,
         *       "proposed_on": "2025-05-16",
         *       "decided_by": null,
         *       "decided_at": null,
         *       "dismissed_reason": null,
         *       "created_at": "2025-05-16T00:30:00Z"
         *     }
         */
        EscalationProposalRead: {
            /** Format: uuid */
            id: string;
            /** Format: uuid */
            hazard_id: string;
            /** @description 函告 letter, 通报 circular, 约谈 interview, 曝光 exposure, 挂牌督办 listing. */
            step: components["schemas"]["ProposalStep"];
            /** @description The overdue episode: the deadline it is overdue against (and a reopening). */
            episode: string;
            /** @description Days overdue when it was proposed. */
            overdue_days: number;
            /** @description Why it was proposed. */
            reason: string;
            status: components["schemas"]["ProposalStatus"];
            /** @description The H9 escalation it became, once accepted (listing: none). */
            escalation_id: string | null;
            /** Format: date */
            proposed_on: string;
            decided_by: string | null;
            decided_at: string | null;
            dismissed_reason: string | null;
            /** Format: date-time */
            created_at: string;
        };
        /**
         * @example {
         *       "id": "0193a5c1-7d1e-7f2a-9b3c-4d5e6f7a8b9a",
         *       "hazard_id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
         *       "org_unit_id": null,
         *       "kind": "letter",
         *       "note": "整改进度滞后，函告企业主要负责人",
         *       "effective_on": "2025-04-10",
         *       "created_by": "0193a5c0-0b01-7000-8000-00000000b001",
         *       "created_at": "2025-04-10T08:30:00+08:00"
         *     }
         */
        EscalationRead: {
            /** Format: uuid */
            id: string;
            hazard_id: string | null;
            org_unit_id: string | null;
            kind: components["schemas"]["EscalationKind"];
            note: string;
            /** Format: date */
            effective_on: string;
            /** Format: uuid */
            created_by: string;
            /** Format: date-time */
            created_at: string;
        };
        /**
         * @example {
         *       "items": [
         *         {
         *           "id": 1025,
         *           "type": "hazard.status_changed",
         *           "at": "2025-03-05T10:02:11.031+08:00",
         *           "resource": "hazard",
         *           "resource_id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
         *           "data": {
         *             "from": "reported",
         *             "to": "rectifying",
         *             "action": "plan"
         *           }
         *         }
         *       ],
         *       "next_cursor": 1025
         *     }
         */
        EventPage: {
            items: components["schemas"]["EventRead"][];
            /**
             * @description The id of the last event of this page: pass it as `after` to read on; when nothing is new it repeats `after` (null when the feed is empty and `after` was not given).
             * @example 1025
             */
            next_cursor: number | null;
        };
        /**
         * @description One change, as district systems read it.
         * @example {
         *       "id": 1025,
         *       "type": "hazard.status_changed",
         *       "at": "2025-03-05T10:02:11.031+08:00",
         *       "resource": "hazard",
         *       "resource_id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
         *       "data": {
         *         "from": "reported",
         *         "to": "rectifying",
         *         "action": "plan"
         *       }
         *     }
         */
        EventRead: {
            /** @description Increases in commit order; pass the last one seen as `after`. */
            id: number;
            /** @example hazard.status_changed */
            type: string;
            /** Format: date-time */
            at: string;
            /** @example hazard */
            resource: string;
            /** Format: uuid */
            resource_id: string;
            data?: {
                [key: string]: unknown;
            } | null;
        };
        /**
         * @description The media types of evidence files, detected from the content.
         * @enum {string}
         */
        EvidenceType: "image/jpeg" | "image/png" | "application/pdf";
        /** @description The multipart form of an upload: one part, `file`; any other part is refused. */
        EvidenceUpload: {
            /**
             * Format: binary
             * @description The file: JPEG, PNG or PDF, at most 10 MiB. Its name (the part's `filename`) is kept, without any path; a name with a bidirectional control or a zero-width character is refused.
             */
            file: Blob;
        };
        /** @enum {string} */
        ExportFormat: "csv" | "xlsx";
        /**
         * @example {
         *       "deadline": "2025-05-31",
         *       "reason": "报警器备件到货延迟",
         *       "effective_on": "2025-04-25"
         *     }
         */
        ExtendRequest: {
            /** Format: date */
            deadline: string;
            reason: string;
            /** @description Business date the step took effect (default today, Asia/Shanghai); never in the future, never before the previous step (H7). */
            effective_on?: string | null;
        };
        Feature: {
            /** @constant */
            type: "Feature";
            id: string;
            geometry: {
                [key: string]: unknown;
            };
            properties: {
                [key: string]: unknown;
            };
        };
        /**
         * @example {
         *       "type": "FeatureCollection",
         *       "features": [
         *         {
         *           "type": "Feature",
         *           "id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
         *           "geometry": {
         *             "type": "Point",
         *             "coordinates": [
         *               117.2272,
         *               31.8206
         *             ]
         *           },
         *           "properties": {
         *             "name": "【演示】东湖化工005有限公司",
         *             "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *             "sector": "hazardous_chemicals",
         *             "status": "active",
         *             "high_risk": true,
         *             "risk_level": "orange",
         *             "score": 70,
         *             "overridden": false
         *           }
         *         }
         *       ]
         *     }
         */
        FeatureCollection: {
            /** @constant */
            type: "FeatureCollection";
            features: components["schemas"]["Feature"][];
        };
        /**
         * @description One invalid input.
         * @example {
         *       "field": "principal.phone",
         *       "message": "String should match pattern"
         *     }
         */
        FieldProblem: {
            /**
             * @description Dotted path of the offending input: a body field (`principal.phone`, `findings[0].title`), a query, path or header parameter (`limit`, `cursor`, `If-Match`), or `body` for the body as a whole.
             * @example discovered_on
             */
            field: string;
            /**
             * @description What is wrong, in English.
             * @example must lie between 2000-01-01 and 2100-12-31
             */
            message: string;
        };
        /**
         * @example {
         *       "task_id": "0193a5c1-3f7a-7b8c-9d9e-0f1a2b3c4d56",
         *       "hazards": [
         *         {
         *           "id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
         *           "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
         *           "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *           "sector": "hazardous_chemicals",
         *           "grade": "major",
         *           "source": "supervision",
         *           "title": "储罐区可燃气体报警器失效",
         *           "description": "2号储罐区可燃气体报警器无响应，未与切断阀联锁",
         *           "criterion_ref": "化工和危险化学品生产经营单位重大生产安全事故隐患判定标准 第十条",
         *           "criterion_code": "HGWH-2017-10",
         *           "location": "2号储罐区",
         *           "discovered_on": "2025-03-02",
         *           "status": "rectifying",
         *           "status_effective_on": "2025-03-05",
         *           "deadline": "2025-04-30",
         *           "overdue": false,
         *           "extensions": 0,
         *           "plan": {
         *             "responsible_person": "李明",
         *             "measures": "更换可燃气体报警器并与紧急切断阀联锁",
         *             "funds": "12000.00",
         *             "deadline": "2025-04-30",
         *             "contingency_plan": "停用储罐区，设置警戒区，专人值守"
         *           },
         *           "evidence": null,
         *           "listed": false,
         *           "notified_at": "2025-03-02T09:15:27.412+08:00",
         *           "closed_on": null,
         *           "inspection_id": null,
         *           "report_id": null,
         *           "allowed_actions": [
         *             "submit",
         *             "void",
         *             "extend"
         *           ],
         *           "created_at": "2025-03-02T09:15:27.412+08:00",
         *           "updated_at": "2025-04-28T16:40:03.118+08:00"
         *         }
         *       ]
         *     }
         */
        FindingsRecorded: {
            /** Format: uuid */
            task_id: string;
            /** @description The hazards created, in the order of the findings. */
            hazards: components["schemas"]["HazardRead"][];
        };
        /**
         * @example {
         *       "findings": [
         *         {
         *           "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
         *           "grade": "general",
         *           "title": "疏散通道堆放杂物",
         *           "deadline": "2025-06-20"
         *         }
         *       ]
         *     }
         */
        FindingsRequest: {
            /** @description Each becomes a hazard (source supervision). */
            findings: components["schemas"]["TaskFinding"][];
        };
        /** @enum {string} */
        Grade: "major" | "general";
        /**
         * @example {
         *       "key": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *       "label": "【演示】东湖村",
         *       "open_major": 1,
         *       "overdue_major": 0,
         *       "principal_inspection_rate": 0.8,
         *       "drill_rate": 0.65,
         *       "targets": [
         *         {
         *           "code": "stock_cleared",
         *           "year": 2024,
         *           "status": "met",
         *           "figures": {
         *             "stock_total": 42,
         *             "open_stock": 0,
         *             "closed_by_deadline": 42,
         *             "open_at_deadline": 0,
         *             "overdue_open_stock": 0
         *           }
         *         },
         *         {
         *           "code": "increment_reduced",
         *           "year": 2025,
         *           "status": "on_track",
         *           "figures": {
         *             "count_ytd": 17,
         *             "count_prev_same_dates": 25
         *           }
         *         },
         *         {
         *           "code": "dynamic_zero",
         *           "year": 2026,
         *           "status": "at_risk",
         *           "figures": {
         *             "open_major": 2,
         *             "overdue_open_major": 1,
         *             "overdue_open_major_at_year_end": 0
         *           }
         *         }
         *       ]
         *     }
         */
        GroupFigures: {
            key: string;
            label: string | null;
            open_major: number;
            overdue_major: number;
            principal_inspection_rate: number | null;
            drill_rate: number | null;
            targets: components["schemas"]["Target"][];
        };
        /** @enum {string} */
        HazardAction: "plan" | "submit" | "approve" | "reject" | "reopen" | "void" | "extend";
        /**
         * @example {
         *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
         *       "grade": "major",
         *       "source": "supervision",
         *       "title": "涉爆粉尘作业区域未设置泄爆装置",
         *       "description": "除尘器未按规定设置泄爆口",
         *       "criterion_ref": "工贸企业重大事故隐患判定标准 第十三条",
         *       "discovered_on": "2025-03-02",
         *       "deadline": "2025-04-30"
         *     }
         */
        HazardCreate: {
            /** Format: uuid */
            enterprise_id: string;
            grade: components["schemas"]["Grade"];
            source: components["schemas"]["Source"];
            title: string;
            description?: string | null;
            /** @description 判定标准条款, as free text. */
            criterion_ref?: string | null;
            /** @description A criterion of the library (`GET /api/v1/criteria`) of the enterprise's sector, in force on `discovered_on`; citing a major-hazard criterion requires `grade: major` (K2). */
            criterion_code?: string | null;
            location?: string | null;
            /** Format: date */
            discovered_on: string;
            /** @description 整改期限 given on discovery (限期整改), if any. */
            deadline?: string | null;
            /** @description Ids from POST /api/v1/attachments. */
            attachment_ids?: string[];
        };
        /**
         * @example {
         *       "items": [
         *         {
         *           "id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
         *           "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
         *           "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *           "sector": "hazardous_chemicals",
         *           "grade": "major",
         *           "source": "supervision",
         *           "title": "储罐区可燃气体报警器失效",
         *           "description": "2号储罐区可燃气体报警器无响应，未与切断阀联锁",
         *           "criterion_ref": "化工和危险化学品生产经营单位重大生产安全事故隐患判定标准 第十条",
         *           "criterion_code": "HGWH-2017-10",
         *           "location": "2号储罐区",
         *           "discovered_on": "2025-03-02",
         *           "status": "rectifying",
         *           "status_effective_on": "2025-03-05",
         *           "deadline": "2025-04-30",
         *           "overdue": false,
         *           "extensions": 0,
         *           "plan": {
         *             "responsible_person": "李明",
         *             "measures": "更换可燃气体报警器并与紧急切断阀联锁",
         *             "funds": "12000.00",
         *             "deadline": "2025-04-30",
         *             "contingency_plan": "停用储罐区，设置警戒区，专人值守"
         *           },
         *           "evidence": null,
         *           "listed": false,
         *           "notified_at": "2025-03-02T09:15:27.412+08:00",
         *           "closed_on": null,
         *           "inspection_id": null,
         *           "report_id": null,
         *           "allowed_actions": [
         *             "submit",
         *             "void",
         *             "extend"
         *           ],
         *           "created_at": "2025-03-02T09:15:27.412+08:00",
         *           "updated_at": "2025-04-28T16:40:03.118+08:00"
         *         }
         *       ],
         *       "next_cursor": "AZOlwG8ufUGbikweLzpbbQ"
         *     }
         */
        HazardPage: {
            items: components["schemas"]["HazardRead"][];
            next_cursor: string | null;
        };
        /**
         * @example {
         *       "id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
         *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
         *       "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *       "sector": "hazardous_chemicals",
         *       "grade": "major",
         *       "source": "supervision",
         *       "title": "储罐区可燃气体报警器失效",
         *       "description": "2号储罐区可燃气体报警器无响应，未与切断阀联锁",
         *       "criterion_ref": "化工和危险化学品生产经营单位重大生产安全事故隐患判定标准 第十条",
         *       "criterion_code": "HGWH-2017-10",
         *       "location": "2号储罐区",
         *       "discovered_on": "2025-03-02",
         *       "status": "rectifying",
         *       "status_effective_on": "2025-03-05",
         *       "deadline": "2025-04-30",
         *       "overdue": false,
         *       "extensions": 0,
         *       "plan": {
         *         "responsible_person": "李明",
         *         "measures": "更换可燃气体报警器并与紧急切断阀联锁",
         *         "funds": "12000.00",
         *         "deadline": "2025-04-30",
         *         "contingency_plan": "停用储罐区，设置警戒区，专人值守"
         *       },
         *       "evidence": null,
         *       "listed": false,
         *       "notified_at": "2025-03-02T09:15:27.412+08:00",
         *       "closed_on": null,
         *       "inspection_id": null,
         *       "report_id": null,
         *       "allowed_actions": [
         *         "submit",
         *         "void",
         *         "extend"
         *       ],
         *       "created_at": "2025-03-02T09:15:27.412+08:00",
         *       "updated_at": "2025-04-28T16:40:03.118+08:00"
         *     }
         */
        HazardRead: {
            /** Format: uuid */
            id: string;
            /** Format: uuid */
            enterprise_id: string;
            /** Format: uuid */
            village_id: string;
            sector: string;
            grade: components["schemas"]["Grade"];
            source: components["schemas"]["Source"];
            title: string;
            description: string | null;
            criterion_ref: string | null;
            criterion_code: string | null;
            location: string | null;
            /** Format: date */
            discovered_on: string;
            status: components["schemas"]["HazardStatus"];
            /** Format: date */
            status_effective_on: string;
            deadline: string | null;
            overdue: boolean;
            extensions: number;
            plan: components["schemas"]["PlanRead"];
            evidence: string | null;
            listed: boolean;
            notified_at: string | null;
            closed_on: string | null;
            inspection_id: string | null;
            report_id: string | null;
            allowed_actions: components["schemas"]["HazardAction"][];
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
        };
        /**
         * @example {
         *       "group_by": "village",
         *       "from": "2025-01-01",
         *       "to": "2025-06-30",
         *       "items": [
         *         {
         *           "key": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *           "label": "【演示】东湖村",
         *           "total": 38,
         *           "open": 6,
         *           "overdue": 1,
         *           "closed": 30,
         *           "void": 2,
         *           "closure_rate": 0.833,
         *           "median_days_to_close": 21.5
         *         }
         *       ]
         *     }
         */
        HazardStats: {
            group_by: components["schemas"]["StatsGroup"];
            from: string | null;
            to: string | null;
            items: components["schemas"]["StatsRow"][];
        };
        /** @enum {string} */
        HazardStatus: "reported" | "rectifying" | "pending_review" | "closed" | "void";
        /**
         * @description Descriptive fields only; state, deadline and plan change through the actions.
         * @example {
         *       "description": "2号储罐区报警器无响应，已联系厂家",
         *       "location": "2号储罐区东侧"
         *     }
         */
        HazardUpdate: {
            title?: string;
            description?: string | null;
            criterion_ref?: string | null;
            location?: string | null;
        };
        /**
         * @example {
         *       "status": "ok"
         *     }
         */
        Health: {
            /**
             * @description `ok`: the process answers (healthz), the database too (readyz).
             * @constant
             */
            status: "ok";
        };
        /**
         * @example {
         *       "id": 1207,
         *       "at": "2025-03-05T10:02:11.031+08:00",
         *       "effective_on": "2025-03-05",
         *       "actor_id": "0193a5c0-0b01-7000-8000-00000000b001",
         *       "actor_role": "street_admin",
         *       "action": "plan",
         *       "from_status": "reported",
         *       "to_status": "rectifying",
         *       "comment": "按五要素制定整改方案",
         *       "deadline": "2025-04-30"
         *     }
         */
        HistoryEntry: {
            id: number;
            /** Format: date-time */
            at: string;
            /** Format: date */
            effective_on: string;
            actor_id: string | null;
            actor_role: string | null;
            action: string;
            from_status: components["schemas"]["HazardStatus"] | null;
            to_status: components["schemas"]["HazardStatus"];
            comment: string | null;
            deadline: string | null;
        };
        /**
         * @example {
         *       "items": [
         *         {
         *           "id": 1201,
         *           "at": "2025-03-02T09:15:27.412+08:00",
         *           "effective_on": "2025-03-02",
         *           "actor_id": "0193a5c0-0b01-7000-8000-00000000b001",
         *           "actor_role": "street_admin",
         *           "action": "create",
         *           "from_status": null,
         *           "to_status": "reported",
         *           "comment": null,
         *           "deadline": null
         *         },
         *         {
         *           "id": 1207,
         *           "at": "2025-03-05T10:02:11.031+08:00",
         *           "effective_on": "2025-03-05",
         *           "actor_id": "0193a5c0-0b01-7000-8000-00000000b001",
         *           "actor_role": "street_admin",
         *           "action": "plan",
         *           "from_status": "reported",
         *           "to_status": "rectifying",
         *           "comment": "按五要素制定整改方案",
         *           "deadline": "2025-04-30"
         *         }
         *       ]
         *     }
         */
        HistoryList: {
            items: components["schemas"]["HistoryEntry"][];
        };
        /**
         * @example {
         *       "items": [
         *         {
         *           "row": 7,
         *           "column": "发现日期",
         *           "value": "2024-02-30",
         *           "message": "日期不存在：2024年2月30日",
         *           "duplicate": false
         *         }
         *       ],
         *       "next_cursor": null
         *     }
         */
        ImportErrorPage: {
            items: components["schemas"]["ImportErrorRead"][];
            /**
             * @description Pass it as `cursor` for the next page; null on the last one.
             * @example AAAAAAAAAAcAAAAAAAAAKg
             */
            next_cursor: string | null;
        };
        /**
         * @example {
         *       "row": 7,
         *       "column": "发现日期",
         *       "value": "2024-02-30",
         *       "message": "日期不存在：2024年2月30日",
         *       "duplicate": false
         *     }
         */
        ImportErrorRead: {
            /**
             * @description The spreadsheet's row number (the header is row 1).
             * @example 7
             */
            row: number;
            /**
             * @description The column's header, or `第N列（无列名）` for content under no header.
             * @example 发现日期
             */
            column: string;
            /**
             * @description The cell as read (at most 200 characters; invisible characters shown as `<U+XXXX>`); null when blank.
             * @example 2024-02-30
             */
            value: string | null;
            /**
             * @description What is wrong, in Chinese.
             * @example 日期不存在：2024年2月30日
             */
            message: string;
            /**
             * @description A duplicate rather than an invalid value (I2).
             * @example false
             */
            duplicate: boolean;
        };
        /**
         * @description The file's type, read from its content.
         * @enum {string}
         */
        ImportFormat: "xlsx" | "csv";
        /**
         * @description What a ledger file holds (I1).
         * @enum {string}
         */
        ImportKind: "enterprises" | "hazards" | "inspections" | "drills" | "trainings";
        /**
         * @example {
         *       "id": "0193a5c2-4b1d-7e2f-8a3b-5c6d7e8f9a01",
         *       "kind": "hazards",
         *       "status": "ready",
         *       "file_format": "xlsx",
         *       "encoding": null,
         *       "filename": "隐患台账2024.xlsx",
         *       "size": 48213,
         *       "sha256": "9f2c1e0b7a6d5c4b3a29181706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3",
         *       "progress": {
         *         "rows_done": 1203,
         *         "rows_total": 1203
         *       },
         *       "counts": {
         *         "valid": 1198,
         *         "invalid": 4,
         *         "duplicates": 1
         *       },
         *       "created_count": null,
         *       "created_at": "2025-06-16T10:00:00+08:00",
         *       "committed_at": null
         *     }
         */
        ImportRead: {
            /** Format: uuid */
            id: string;
            kind: components["schemas"]["ImportKind"];
            status: components["schemas"]["ImportStatus"];
            file_format: components["schemas"]["ImportFormat"];
            /**
             * @description CSV only: the text encoding detected (`utf-8`, `gbk`, `gb18030`).
             * @example gbk
             */
            encoding: string | null;
            /**
             * @description The uploaded file's name, without any path.
             * @example 隐患台账2024.xlsx
             */
            filename: string | null;
            /**
             * @description Bytes.
             * @example 48213
             */
            size: number;
            /**
             * @description SHA-256 of the file, lowercase hex: a file is committed once (I2).
             * @example 9f2c1e0b7a6d5c4b3a29181706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3
             */
            sha256: string;
            progress: components["schemas"]["Progress"];
            counts: components["schemas"]["Counts"];
            /**
             * @description Resources the commit created; null before.
             * @example 1198
             */
            created_count: number | null;
            /** Format: date-time */
            created_at: string;
            /**
             * @description When the commit was written; null before.
             * @example 2025-06-16T10:05:00+08:00
             */
            committed_at: string | null;
        };
        /**
         * @description `validating` (rows being checked, see `progress`) → `ready` (checked: see `counts` and the errors) or
         *     `failed` (the file as a whole cannot be imported: see the errors of row 1); `ready` → `committing` →
         *     `committed`.
         * @enum {string}
         */
        ImportStatus: "validating" | "ready" | "failed" | "committing" | "committed";
        /** @description The multipart form of an upload: `kind` and `file`; any other part is refused. */
        ImportUpload: {
            /**
             * @description What the file holds.
             * @example hazards
             */
            kind: components["schemas"]["ImportKind"];
            /**
             * Format: binary
             * @description The ledger: an .xlsx workbook (its first visible sheet) or a .csv in UTF-8, GBK or GB18030, with the Chinese headers of the template (GET /api/v1/imports/templates/{kind}); at most 20 MiB by default.
             */
            file: Blob;
        };
        /**
         * @example {
         *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
         *       "kind": "principal_self",
         *       "performed_on": "2025-04-08",
         *       "led_by_principal": true,
         *       "inspector": "王强",
         *       "findings": [
         *         {
         *           "grade": "general",
         *           "title": "灭火器压力不足",
         *           "deadline": "2025-04-15"
         *         },
         *         {
         *           "grade": "major",
         *           "title": "有限空间作业未审批",
         *           "criterion_ref": "工贸重大隐患判定标准 第六条"
         *         }
         *       ]
         *     }
         */
        InspectionCreate: {
            /** Format: uuid */
            enterprise_id: string;
            kind: components["schemas"]["InspectionKind"];
            /** Format: date */
            performed_on: string;
            /**
             * @description C1 counts principal_self inspections led by the principal.
             * @default false
             */
            led_by_principal: boolean;
            inspector?: string | null;
            notes?: string | null;
            attachment_ids?: string[];
            /** @description Each becomes a hazard. */
            findings?: components["schemas"]["InspectionFinding"][];
            /** @description The checklist version walked through (K3). */
            checklist_id?: string | null;
            /** @description A result per item of the checklist version; each `fail` becomes a hazard with the item's criterion and grade. */
            item_results?: components["schemas"]["ItemResultIn"][];
        };
        /**
         * @description A finding of an inspection: it becomes a hazard of the inspected enterprise.
         * @example {
         *       "grade": "general",
         *       "title": "灭火器压力不足",
         *       "location": "仓库东门",
         *       "deadline": "2025-04-15"
         *     }
         */
        InspectionFinding: {
            grade: components["schemas"]["Grade"];
            title: string;
            description?: string | null;
            criterion_ref?: string | null;
            location?: string | null;
            /** @description 整改期限 set on the spot, if any. */
            deadline?: string | null;
            attachment_ids?: string[];
        };
        /**
         * @description Who inspected: C1 counts `principal_self` inspections led by the principal.
         * @enum {string}
         */
        InspectionKind: "principal_self" | "village_patrol" | "department" | "enforcement" | "supervision";
        /**
         * @example {
         *       "items": [
         *         {
         *           "id": "0193a5c1-0c4d-7e5f-8a6b-7c8d9e0f1a23",
         *           "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
         *           "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *           "sector": "hazardous_chemicals",
         *           "kind": "principal_self",
         *           "performed_on": "2025-04-08",
         *           "led_by_principal": true,
         *           "inspector": "王强",
         *           "notes": "季度主要负责人带队检查",
         *           "findings_count": 1,
         *           "hazard_ids": [
         *             "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d"
         *           ],
         *           "checklist_id": null,
         *           "item_results": [],
         *           "created_at": "2025-04-08T15:20:44.905+08:00"
         *         }
         *       ],
         *       "next_cursor": null
         *     }
         */
        InspectionPage: {
            items: components["schemas"]["InspectionRead"][];
            next_cursor: string | null;
        };
        /**
         * @example {
         *       "id": "0193a5c1-0c4d-7e5f-8a6b-7c8d9e0f1a23",
         *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
         *       "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *       "sector": "hazardous_chemicals",
         *       "kind": "principal_self",
         *       "performed_on": "2025-04-08",
         *       "led_by_principal": true,
         *       "inspector": "王强",
         *       "notes": "季度主要负责人带队检查",
         *       "findings_count": 1,
         *       "hazard_ids": [
         *         "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d"
         *       ],
         *       "checklist_id": null,
         *       "item_results": [],
         *       "created_at": "2025-04-08T15:20:44.905+08:00"
         *     }
         */
        InspectionRead: {
            /** Format: uuid */
            id: string;
            /** Format: uuid */
            enterprise_id: string;
            /** Format: uuid */
            village_id: string;
            sector: string;
            kind: components["schemas"]["InspectionKind"];
            /** Format: date */
            performed_on: string;
            led_by_principal: boolean;
            inspector: string | null;
            notes: string | null;
            findings_count: number;
            hazard_ids: string[];
            checklist_id: string | null;
            item_results: components["schemas"]["ItemResultRead"][];
            /** Format: date-time */
            created_at: string;
        };
        /**
         * @description K3: the result for one item of the inspection's checklist; `fail` becomes a hazard.
         * @example {
         *       "item_id": "0193a5c0-6a2b-7c3d-8e4f-5a6b7c8d9e02",
         *       "result": "fail",
         *       "note": "东侧污水池无警示标志"
         *     }
         */
        ItemResultIn: {
            /** Format: uuid */
            item_id: string;
            result: components["schemas"]["CheckResult"];
            note?: string | null;
            attachment_ids?: string[];
        };
        /**
         * @example {
         *       "item_id": "0193a5c0-6a2b-7c3d-8e4f-5a6b7c8d9e02",
         *       "text": "未对有限空间进行辨识、建立安全管理台账，并且未设置明显的安全警示标志的",
         *       "criterion_code": "GMQY-2023-13-1",
         *       "grade": "major",
         *       "result": "fail",
         *       "note": "东侧污水池无警示标志",
         *       "attachment_ids": [],
         *       "hazard_id": "0193a5c1-1b2c-7d3e-8f4a-5b6c7d8e9f00"
         *     }
         */
        ItemResultRead: {
            /** Format: uuid */
            item_id: string;
            text: string;
            criterion_code: string | null;
            grade: components["schemas"]["Grade"];
            result: components["schemas"]["CheckResult"];
            note: string | null;
            attachment_ids: string[];
            /** @description The hazard a failed item became. */
            hazard_id: string | null;
        };
        /**
         * @example {
         *       "items": [
         *         {
         *           "id": 4711,
         *           "task": "reminders.deliver",
         *           "status": "failed",
         *           "attempts": 5,
         *           "error": "the SMS gateway answered 503",
         *           "error_type": "RuntimeError",
         *           "created_at": "2025-05-16T01:00:00Z",
         *           "updated_at": "2025-05-16T01:40:00Z",
         *           "execute_after": "2025-05-16T01:35:00Z"
         *         }
         *       ],
         *       "next_cursor": null
         *     }
         */
        JobPage: {
            items: components["schemas"]["JobRead"][];
            /** @description Pass as `cursor` for the next page; null on the last page. */
            next_cursor: string | null;
        };
        /**
         * @example {
         *       "id": 4711,
         *       "task": "reminders.deliver",
         *       "status": "failed",
         *       "attempts": 5,
         *       "error": "the SMS gateway answered 503",
         *       "error_type": "RuntimeError",
         *       "created_at": "2025-05-16T01:00:00Z",
         *       "updated_at": "2025-05-16T01:40:00Z",
         *       "execute_after": "2025-05-16T01:35:00Z"
         *     }
         */
        JobRead: {
            id: number;
            /** @description The task's name. */
            task: string;
            /** @description queued (waiting), picked (running), failed (after its last attempt). */
            status: components["schemas"]["JobStatus"];
            /** @description Tries made, the running one included. */
            attempts: number;
            /** @description The last error, as the task raised it. */
            error: string | null;
            error_type: string | null;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
            /**
             * Format: date-time
             * @description Not run before this instant (a retry's delay).
             */
            execute_after: string;
        };
        /** @enum {string} */
        JobStatus: "queued" | "picked" | "failed";
        /**
         * @example {
         *       "listed": true,
         *       "comment": "重大隐患挂牌督办",
         *       "effective_on": "2025-04-12"
         *     }
         */
        ListingRequest: {
            /**
             * @description true lists the hazard (挂牌督办), false delists it (摘牌).
             * @default true
             */
            listed: boolean;
            comment?: string | null;
            /** @description Business date the step took effect (default today, Asia/Shanghai); never in the future, never before the previous step (H7). */
            effective_on?: string | null;
        };
        /**
         * @description K6: WGS-84 coordinates.
         * @example {
         *       "lng": 117.2272,
         *       "lat": 31.8206
         *     }
         */
        Location: {
            /** @description Longitude, −180 to 180. */
            lng: number;
            /** @description Latitude, −90 to 90. */
            lat: number;
        };
        /**
         * @example {
         *       "lng": 117.2272,
         *       "lat": 31.8206
         *     }
         */
        LocationRead: {
            lng: number;
            lat: number;
        };
        /**
         * @example {}
         * @example {
         *       "refresh_token": "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiSldUIn0.eyJ0eXAiOiJyZWZyZXNoIn0.c2lnbmF0dXJl"
         *     }
         */
        LogoutRequest: {
            /** @description A refresh token of the caller: its session ends too (say, another device's). */
            refresh_token?: string | null;
        };
        /**
         * @example {
         *       "open": 4,
         *       "overdue": 1,
         *       "listed": 2
         *     }
         */
        MajorHazardFigures: {
            open: number;
            overdue: number;
            listed: number;
        };
        /**
         * @example {
         *       "id": "0193a5c0-0b05-7000-8000-00000000b005",
         *       "username": "village_donghu",
         *       "role": "village_officer",
         *       "org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *       "enterprise_id": null
         *     }
         */
        Me: {
            /** Format: uuid */
            id: string;
            username: string;
            role: components["schemas"]["Role"];
            org_unit_id: string | null;
            enterprise_id: string | null;
        };
        /**
         * @description R5: where a notification goes.
         * @enum {string}
         */
        NotificationChannel: "in_app" | "sms" | "email" | "wecom" | "dingtalk";
        /**
         * @example {
         *       "items": [
         *         {
         *           "id": "0193a5c2-5b9c-7d0e-8f1a-2b3c4d5e6f70",
         *           "recipient": {
         *             "user_id": null,
         *             "name": "王强",
         *             "role": "principal",
         *             "address": "138****8000",
         *             "org_unit_id": null
         *           },
         *           "channel": "sms",
         *           "text": "王强（主要负责人）：合肥精工机械有限公司2025年6月16日被登记重大事故隐患“粉尘涉爆除尘系统未接地”，请立即组织整改。",
         *           "title": null,
         *           "status": "sent",
         *           "attempts": 1,
         *           "last_error": null,
         *           "next_attempt_at": null,
         *           "cause": {
         *             "rule": "major_hazard",
         *             "resource": "hazards",
         *             "resource_id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d"
         *           },
         *           "created_at": "2025-06-16T02:00:00Z",
         *           "sent_at": "2025-06-16T02:00:03Z",
         *           "read_at": null
         *         }
         *       ],
         *       "next_cursor": null
         *     }
         */
        NotificationPage: {
            items: components["schemas"]["NotificationRead"][];
            /** @description Pass as `cursor` for the next page; null on the last one. */
            next_cursor: string | null;
        };
        /**
         * @example {
         *       "id": "0193a5c2-5b9c-7d0e-8f1a-2b3c4d5e6f70",
         *       "recipient": {
         *         "user_id": null,
         *         "name": "王强",
         *         "role": "principal",
         *         "address": "138****8000",
         *         "org_unit_id": null
         *       },
         *       "channel": "sms",
         *       "text": "王强（主要负责人）：合肥精工机械有限公司2025年6月16日被登记重大事故隐患“粉尘涉爆除尘系统未接地”，请立即组织整改。",
         *       "title": null,
         *       "status": "sent",
         *       "attempts": 1,
         *       "last_error": null,
         *       "next_attempt_at": null,
         *       "cause": {
         *         "rule": "major_hazard",
         *         "resource": "hazards",
         *         "resource_id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d"
         *       },
         *       "created_at": "2025-06-16T02:00:00Z",
         *       "sent_at": "2025-06-16T02:00:03Z",
         *       "read_at": null
         *     }
         */
        NotificationRead: {
            /** Format: uuid */
            id: string;
            recipient: components["schemas"]["NotificationRecipient"];
            channel: components["schemas"]["NotificationChannel"];
            text: string;
            /** @description The e-mail subject, when there is one. */
            title: string | null;
            status: components["schemas"]["NotificationStatus"];
            /** @description Delivery attempts so far (in-app: 0). */
            attempts: number;
            /** @description Why the last attempt failed or why it was skipped. */
            last_error: string | null;
            /** @description When a pending notification is tried next. */
            next_attempt_at: string | null;
            cause: components["schemas"]["Cause"];
            /** Format: date-time */
            created_at: string;
            sent_at: string | null;
            /** @description When its recipient marked it read (in-app). */
            read_at: string | null;
        };
        NotificationRecipient: {
            /** @description The user, for in-app notifications and users of the service. */
            user_id: string | null;
            name?: string | null;
            /** @description `principal` or `actual_controller` for H8's text messages. */
            role: string | null;
            /** @description The phone or e-mail address, masked (138****8000). */
            address: string | null;
            /** @description The org unit whose group robot gets a wecom/dingtalk message. */
            org_unit_id: string | null;
        };
        /**
         * @description R5: `pending` until sent; `failed` after its last retry; `cancelled` when its channel is not configured
         *     (the error says so) or its cause has gone.
         * @enum {string}
         */
        NotificationStatus: "pending" | "sent" | "failed" | "cancelled";
        /**
         * @description C1 `principal_inspection` or C2 `drill`.
         * @enum {string}
         */
        Obligation: "principal_inspection" | "drill";
        /**
         * @example {
         *       "period": "2025-06",
         *       "status": "due",
         *       "missed_periods": 1
         *     }
         */
        ObligationStatus: {
            /** @description Label of the current period: 2025-02, 2025-Q1, 2025-H1 or 2025. */
            period: string | null;
            status: components["schemas"]["CadenceStatus"];
            missed_periods: number;
        };
        /**
         * @example {
         *       "applicable": 186,
         *       "done": 141,
         *       "due": 45,
         *       "not_applicable": 14,
         *       "with_missed": 23,
         *       "missed_periods": 31,
         *       "rate": 0.758
         *     }
         */
        ObligationSummary: {
            applicable: number;
            done: number;
            due: number;
            not_applicable: number;
            with_missed: number;
            missed_periods: number;
            /** @description done / applicable in the current period */
            rate: number | null;
        };
        /**
         * @example {
         *       "kind": "village",
         *       "name": "东湖村",
         *       "code": "donghu"
         *     }
         */
        OrgUnitCreate: {
            kind: components["schemas"]["OrgUnitKind"];
            name: string;
            /** @description Optional stable code, unique. */
            code?: string | null;
            /** @description Departments only: sector codes this department leads (牵头); they move to it. */
            lead_sectors?: string[];
        };
        /** @enum {string} */
        OrgUnitKind: "street_office" | "department" | "village";
        /**
         * @example {
         *       "items": [
         *         {
         *           "id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *           "kind": "village",
         *           "name": "【演示】东湖村",
         *           "code": "demo-village-1",
         *           "lead_sectors": [],
         *           "created_at": "2024-02-01T09:00:00+08:00"
         *         },
         *         {
         *           "id": "0193a5c0-0a02-7000-8000-00000000a002",
         *           "kind": "department",
         *           "name": "应急管理",
         *           "code": "emergency_management",
         *           "lead_sectors": [
         *             "hazardous_chemicals",
         *             "industry_trade"
         *           ],
         *           "created_at": "2024-02-01T09:00:00+08:00"
         *         }
         *       ],
         *       "next_cursor": null
         *     }
         */
        OrgUnitPage: {
            items: components["schemas"]["OrgUnitRead"][];
            next_cursor: string | null;
        };
        /**
         * @example {
         *       "id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *       "kind": "village",
         *       "name": "【演示】东湖村",
         *       "code": "demo-village-1",
         *       "lead_sectors": [],
         *       "created_at": "2024-02-01T09:00:00+08:00"
         *     }
         */
        OrgUnitRead: {
            /** Format: uuid */
            id: string;
            kind: components["schemas"]["OrgUnitKind"];
            name: string;
            code: string | null;
            lead_sectors: string[];
            /** Format: date-time */
            created_at: string;
        };
        /** @enum {string} */
        Outcome: "substantiated" | "unsubstantiated";
        /**
         * @example {
         *       "name": "王强",
         *       "phone": "13800138000"
         *     }
         */
        Person: {
            name: string;
            /**
             * @description Mainland mobile number (11 digits) or landline with area code.
             * @example 13800138000
             */
            phone: string;
        };
        /**
         * @example {
         *       "name": "王强",
         *       "phone": "13800138000"
         *     }
         */
        PersonRead: {
            name: string;
            phone: string;
        };
        /**
         * @example {
         *       "code": "special_rectification",
         *       "name": "专项治理阶段",
         *       "starts_on": "2024-05-01",
         *       "ends_on": "2025-12-31",
         *       "status": "current"
         *     }
         */
        PhaseRead: {
            code: string;
            name: string;
            /** Format: date */
            starts_on: string;
            /** Format: date */
            ends_on: string;
            status: components["schemas"]["PhaseStatus"];
        };
        /**
         * @description A campaign phase relative to `as_of`.
         * @enum {string}
         */
        PhaseStatus: "past" | "current" | "upcoming";
        /**
         * @example {
         *       "responsible_person": "李明",
         *       "measures": "更换可燃气体报警器并与紧急切断阀联锁",
         *       "funds": "12000.00",
         *       "deadline": "2025-04-30",
         *       "contingency_plan": "停用储罐区，设置警戒区，专人值守"
         *     }
         */
        PlanRead: {
            responsible_person: string | null;
            measures: string | null;
            funds: string | null;
            deadline: string | null;
            contingency_plan: string | null;
        };
        /**
         * @example {
         *       "responsible_person": "李明",
         *       "measures": "加装泄爆片，更换除尘器",
         *       "funds": "85000.00",
         *       "deadline": "2025-05-31",
         *       "contingency_plan": "停用除尘系统，设置警戒区"
         *     }
         */
        PlanRequest: {
            responsible_person?: string | null;
            measures?: string | null;
            funds?: (number | string) | null;
            deadline?: string | null;
            contingency_plan?: string | null;
            /** @description Ids from POST /api/v1/attachments. */
            attachment_ids?: string[];
            comment?: string | null;
            /** @description Business date the step took effect (default today, Asia/Shanghai); never in the future, never before the previous step (H7). */
            effective_on?: string | null;
        };
        /**
         * @description RFC 9457 problem details, with a stable machine `code` and the extension members
         *     below where they apply (a client may meet others later and should ignore them).
         * @example {
         *       "type": "urn:anquan:problem:validation_error",
         *       "title": "Unprocessable Content",
         *       "status": 422,
         *       "detail": "1 field is invalid",
         *       "code": "validation_error",
         *       "instance": "/api/v1/enterprises",
         *       "errors": [
         *         {
         *           "field": "credit_code",
         *           "message": "check character is '1', expected 'X'"
         *         }
         *       ]
         *     }
         * @example {
         *       "type": "urn:anquan:problem:invalid_transition",
         *       "title": "Conflict",
         *       "status": 409,
         *       "detail": "cannot submit a hazard that is reported; allowed: plan, void",
         *       "code": "invalid_transition",
         *       "instance": "/api/v1/hazards/0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d/submit",
         *       "current_status": "reported",
         *       "allowed_actions": [
         *         "plan",
         *         "void"
         *       ]
         *     }
         * @example {
         *       "type": "urn:anquan:problem:precondition_failed",
         *       "title": "Precondition Failed",
         *       "status": 412,
         *       "detail": "If-Match \"2\" is stale; the current ETag is \"3\"",
         *       "code": "precondition_failed",
         *       "instance": "/api/v1/hazards/0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d/plan",
         *       "current_etag": "\"3\""
         *     }
         */
        Problem: {
            /**
             * @description A URN naming the problem type: `urn:anquan:problem:<code>`.
             * @example urn:anquan:problem:validation_error
             */
            type: string;
            /**
             * @description The HTTP status phrase (RFC 9110).
             * @example Unprocessable Content
             */
            title: string;
            /**
             * @description The HTTP status code, repeated.
             * @example 422
             */
            status: number;
            /**
             * @description What happened, for a person.
             * @example 1 field is invalid
             */
            detail?: string | null;
            /**
             * @description Stable machine-readable error code.
             * @example validation_error
             */
            code: string;
            /**
             * @description The request's path.
             * @example /api/v1/hazards
             */
            instance?: string | null;
            /** @description 422: every invalid input, each naming its field. */
            errors?: components["schemas"]["FieldProblem"][] | null;
            /**
             * @description 412: the ETag the resource has now; read it again before retrying.
             * @example "3"
             */
            current_etag?: string | null;
            /**
             * @description 409: the state the resource is in (a hazard's, a task's or a report's).
             * @example reported
             */
            current_status?: string | null;
            /**
             * @description 409 `invalid_transition`: the actions the current state allows.
             * @example [
             *       "plan",
             *       "void"
             *     ]
             */
            allowed_actions?: string[] | null;
        } & {
            [key: string]: unknown;
        };
        Progress: {
            /**
             * @description Data rows checked so far (blank rows are not counted).
             * @example 1203
             */
            rows_done: number;
            /**
             * @description Data rows in the file that are not blank; null until the file has been counted.
             * @example 1203
             */
            rows_total: number | null;
        };
        /** @enum {string} */
        ProposalStatus: "open" | "accepted" | "dismissed";
        /** @enum {string} */
        ProposalStep: "letter" | "circular" | "interview" | "exposure" | "listing";
        /**
         * @example {
         *       "description": "某厂房内堆放大量油漆桶，消防通道被堵塞",
         *       "location": "工业园区三路12号",
         *       "enterprise_name": "某某家具厂",
         *       "contact": {
         *         "name": "张先生",
         *         "phone": "13800138000"
         *       }
         *     }
         */
        PublicReportCreate: {
            /** @description What was seen, where and when. */
            description: string;
            location?: string | null;
            /** @description The business concerned, as the reporter knows it. */
            enterprise_name?: string | null;
            /** @description The village (村/居) concerned, if known. */
            village_id?: string | null;
            /** @description Optional; confidential, shown to street_admin only (P2). */
            contact?: components["schemas"]["ReportContact"] | null;
        };
        /**
         * @example {
         *       "tracking_code": "q3Hk9Wc2TzR8vYbN1pLxEu7s",
         *       "status": "received",
         *       "received_at": "2025-06-03T20:41:09+08:00"
         *     }
         */
        PublicReportReceipt: {
            /** @description Keep it: the only way to look the report up. Shown once; not stored. */
            tracking_code: string;
            status: components["schemas"]["ReportStatus"];
            /** Format: date-time */
            received_at: string;
        };
        /**
         * @example {
         *       "status": "substantiated",
         *       "received_at": "2025-06-03T20:41:09+08:00",
         *       "verified_at": "2025-06-05T10:30:00+08:00"
         *     }
         */
        PublicReportStatus: {
            status: components["schemas"]["ReportStatus"];
            /** Format: date-time */
            received_at: string;
            verified_at: string | null;
        };
        /**
         * @example {
         *       "reason": "复查发现报警器再次失效",
         *       "effective_on": "2025-05-20"
         *     }
         */
        ReasonRequest: {
            reason: string;
            /** @description Business date the step took effect (default today, Asia/Shanghai); never in the future, never before the previous step (H7). */
            effective_on?: string | null;
        };
        /**
         * @description Who receives a reminder, as a role or relationship the notifications service resolves.
         *
         *     `enterprise_principal` is a person (a phone, not a user account: in-app does not reach
         *     them); `street_office` is the street office as a unit (its users and its group robot);
         *     `street_admins` are the users with the role `street_admin`.
         * @enum {string}
         */
        Recipient: "enterprise_principal" | "enterprise_users" | "village_officers" | "lead_department_officers" | "street_office" | "assignee_unit_users" | "street_admins";
        /**
         * @example {
         *       "referred_to": "区纪委监委",
         *       "subject": "东湖村督导整改不力问题",
         *       "facts": "督导发现的三处重大隐患逾期未整改",
         *       "referred_on": "2025-07-02"
         *     }
         */
        ReferralCreate: {
            /** @description The competent body the matter is handed to, e.g. 区纪委监委. */
            referred_to: string;
            /** @description Who or what the referral is about. */
            subject: string;
            facts: string;
            /** @description Default today (Asia/Shanghai); never in the future, never before the task was created. */
            referred_on?: string | null;
        };
        /**
         * @example {
         *       "id": "0193a5c1-4a8b-7c9d-8e0f-1a2b3c4d5e67",
         *       "task_id": "0193a5c1-3f7a-7b8c-9d9e-0f1a2b3c4d56",
         *       "referred_to": "区纪委监委",
         *       "subject": "东湖村督导整改不力问题",
         *       "facts": "督导发现的三处重大隐患逾期未整改",
         *       "referred_on": "2025-07-02",
         *       "created_by": "0193a5c0-0b01-7000-8000-00000000b001",
         *       "created_at": "2025-07-02T11:00:00+08:00"
         *     }
         */
        ReferralRead: {
            /** Format: uuid */
            id: string;
            /** Format: uuid */
            task_id: string;
            referred_to: string;
            subject: string;
            facts: string;
            /** Format: date */
            referred_on: string;
            /** Format: uuid */
            created_by: string;
            /** Format: date-time */
            created_at: string;
        };
        /**
         * @example {
         *       "refresh_token": "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiSldUIn0.eyJ0eXAiOiJyZWZyZXNoIn0.c2lnbmF0dXJl"
         *     }
         */
        RefreshRequest: {
            refresh_token: string;
        };
        /**
         * @description Only the fields given change; each is checked against the rule (R1).
         * @example {
         *       "offsets_days": [
         *         10,
         *         3,
         *         1
         *       ],
         *       "channels": [
         *         "in_app"
         *       ]
         *     }
         */
        ReminderRuleChange: {
            /** @description Turn the rule on or off. */
            enabled?: boolean;
            /** @description Whole days, none negative and none twice (their meaning: see the rule's `offsets_days`). */
            offsets_days?: number[];
            /** @description Who is reminded; each must apply to the rule's subject. */
            recipients?: components["schemas"]["Recipient"][];
            /** @description in_app always works. */
            channels?: components["schemas"]["Channel"][];
            /** @description The overdue rules only; null for the others. */
            repeat_every_days?: number | null;
        };
        /** @enum {string} */
        ReminderRuleCode: "hazard_deadline" | "hazard_overdue" | "c1_period_end" | "c2_period_end" | "task_due" | "task_overdue" | "targets_weekly";
        /**
         * @example {
         *       "items": [
         *         {
         *           "code": "hazard_deadline",
         *           "enabled": true,
         *           "offsets_days": [
         *             7,
         *             1
         *           ],
         *           "recipients": [
         *             "enterprise_principal",
         *             "enterprise_users",
         *             "village_officers",
         *             "lead_department_officers"
         *           ],
         *           "channels": [
         *             "in_app",
         *             "sms"
         *           ],
         *           "repeat_every_days": null
         *         }
         *       ]
         *     }
         */
        ReminderRuleList: {
            items: components["schemas"]["ReminderRuleRead"][];
        };
        /**
         * @example {
         *       "code": "hazard_deadline",
         *       "enabled": true,
         *       "offsets_days": [
         *         7,
         *         1
         *       ],
         *       "recipients": [
         *         "enterprise_principal",
         *         "enterprise_users",
         *         "village_officers",
         *         "lead_department_officers"
         *       ],
         *       "channels": [
         *         "in_app",
         *         "sms"
         *       ],
         *       "repeat_every_days": null
         *     }
         */
        ReminderRuleRead: {
            /** @description The rule (R1): what it reminds of. */
            code: components["schemas"]["ReminderRuleCode"];
            enabled: boolean;
            /** @description Days before the deadline, due date or period end (0 = that day); for the overdue rules, the overdue days (1 = the day after the deadline); for `targets_weekly`, days after Monday. */
            offsets_days: number[];
            recipients: components["schemas"]["Recipient"][];
            channels: components["schemas"]["Channel"][];
            /** @description The overdue rules only: after the last offset, again every this many days while overdue. */
            repeat_every_days: number | null;
        };
        /**
         * @example {
         *       "name": "张先生",
         *       "phone": "13800138000"
         *     }
         */
        ReportContact: {
            name?: string | null;
            phone?: string | null;
        };
        /**
         * @example {
         *       "items": [
         *         {
         *           "id": "0193a5c1-5b9c-7d0e-9f1a-2b3c4d5e6f78",
         *           "status": "substantiated",
         *           "description": "某厂房内堆放大量油漆桶，消防通道被堵塞",
         *           "location": "东湖村工业园区三路12号",
         *           "enterprise_name": "某某家具厂",
         *           "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *           "contact": null,
         *           "received_at": "2025-06-03T20:41:09+08:00",
         *           "verified_at": "2025-06-05T10:30:00+08:00",
         *           "verified_by": "0193a5c0-0b05-7000-8000-00000000b005",
         *           "verification_note": "现场核查属实，消防通道堵塞",
         *           "hazard_id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
         *           "reward_eligible": true
         *         }
         *       ],
         *       "next_cursor": null
         *     }
         */
        ReportPage: {
            items: components["schemas"]["ReportRead"][];
            next_cursor: string | null;
        };
        /**
         * @example {
         *       "id": "0193a5c1-5b9c-7d0e-9f1a-2b3c4d5e6f78",
         *       "status": "substantiated",
         *       "description": "某厂房内堆放大量油漆桶，消防通道被堵塞",
         *       "location": "东湖村工业园区三路12号",
         *       "enterprise_name": "某某家具厂",
         *       "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *       "contact": null,
         *       "received_at": "2025-06-03T20:41:09+08:00",
         *       "verified_at": "2025-06-05T10:30:00+08:00",
         *       "verified_by": "0193a5c0-0b05-7000-8000-00000000b005",
         *       "verification_note": "现场核查属实，消防通道堵塞",
         *       "hazard_id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
         *       "reward_eligible": true
         *     }
         */
        ReportRead: {
            /** Format: uuid */
            id: string;
            status: components["schemas"]["ReportStatus"];
            description: string;
            location: string | null;
            enterprise_name: string | null;
            village_id: string | null;
            /** @description The reporter's contact: street_admin only, null for everyone else (P2). */
            contact: components["schemas"]["ContactRead"] | null;
            /** Format: date-time */
            received_at: string;
            verified_at: string | null;
            verified_by: string | null;
            verification_note: string | null;
            /** @description The hazard created from a substantiated report (P3). */
            hazard_id: string | null;
            reward_eligible: boolean;
        };
        /** @enum {string} */
        ReportStatus: "received" | "substantiated" | "unsubstantiated";
        /**
         * @example {
         *       "comment": "未覆盖危险化学品企业，请补充督导"
         *     }
         */
        ReturnTaskRequest: {
            /** @description Why the submission is sent back. */
            comment: string;
        };
        /**
         * @description `approve` signs the hazard off (销号); `reject` sends it back to `rectifying`.
         * @enum {string}
         */
        ReviewDecision: "approve" | "reject";
        /**
         * @example {
         *       "decision": "approve",
         *       "comment": "现场复核合格，同意销号",
         *       "effective_on": "2025-04-29"
         *     }
         */
        ReviewRequest: {
            decision: components["schemas"]["ReviewDecision"];
            /** @description Required when rejecting. */
            comment?: string | null;
            /** @description Business date the step took effect (default today, Asia/Shanghai); never in the future, never before the previous step (H7). */
            effective_on?: string | null;
        };
        /** @enum {string} */
        RiskLevel: "red" | "orange" | "yellow" | "blue";
        /**
         * @example {
         *       "red": 3,
         *       "orange": 12,
         *       "yellow": 140,
         *       "blue": 845,
         *       "overridden": 4
         *     }
         */
        RiskLevelCounts: {
            /** @description Enterprises at 重大风险 (red). */
            red: number;
            /** @description Enterprises at 较大风险 (orange). */
            orange: number;
            /** @description Enterprises at 一般风险 (yellow). */
            yellow: number;
            /** @description Enterprises at 低风险 (blue). */
            blue: number;
            /** @description Of them, those whose level is an official's override (K4). */
            overridden: number;
        };
        /**
         * @example {
         *       "level": "red",
         *       "reason": "近期发生险情，提级管控"
         *     }
         */
        RiskOverrideCreate: {
            /** @description The level to set; null: back to the computed level. */
            level: components["schemas"]["RiskLevel"] | null;
            reason: string;
        };
        /**
         * @example {
         *       "level": "red",
         *       "reason": "近期发生险情，提级管控",
         *       "computed_level": "orange",
         *       "score": 70,
         *       "created_by": "0193a5c0-0b01-7000-8000-00000000b001",
         *       "created_by_role": "street_admin",
         *       "created_at": "2026-12-01T09:00:00+08:00"
         *     }
         */
        RiskOverrideRead: {
            /** @description The level set; null: back to the computed level. */
            level: components["schemas"]["RiskLevel"] | null;
            reason: string;
            /** @description The computed level at the time. */
            computed_level: components["schemas"]["RiskLevel"];
            score: number;
            /** Format: uuid */
            created_by: string;
            created_by_role: string;
            /** Format: date-time */
            created_at: string;
        };
        /**
         * @example {
         *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
         *       "level": "red",
         *       "score": 70,
         *       "computed_level": "orange",
         *       "parts": [
         *         {
         *           "factor": "sector",
         *           "points": 35,
         *           "why": "行业领域：危险化学品"
         *         },
         *         {
         *           "factor": "high_risk",
         *           "points": 15,
         *           "why": "高危行业领域"
         *         },
         *         {
         *           "factor": "open_major_hazards",
         *           "points": 15,
         *           "why": "未销号重大事故隐患1项（每项15分，最多45分）"
         *         },
         *         {
         *           "factor": "overdue_major_hazards",
         *           "points": 10,
         *           "why": "其中逾期未整改1项（每项另加10分，最多30分）"
         *         },
         *         {
         *           "factor": "standardization",
         *           "points": -5,
         *           "why": "安全生产标准化三级"
         *         }
         *       ],
         *       "overridden": true,
         *       "override_reason": "近期发生险情，提级管控",
         *       "why": "人工认定为重大风险，理由：近期发生险情，提级管控；按评分为较大风险（70分）",
         *       "history": [
         *         {
         *           "level": "red",
         *           "reason": "近期发生险情，提级管控",
         *           "computed_level": "orange",
         *           "score": 70,
         *           "created_by": "0193a5c0-0b01-7000-8000-00000000b001",
         *           "created_by_role": "street_admin",
         *           "created_at": "2026-12-01T09:00:00+08:00"
         *         }
         *       ]
         *     }
         */
        RiskRead: {
            /** Format: uuid */
            enterprise_id: string;
            /** @description red 重大, orange 较大, yellow 一般, blue 低; the override's when overridden. */
            level: components["schemas"]["RiskLevel"];
            /** @description The sum of `parts`. */
            score: number;
            computed_level: components["schemas"]["RiskLevel"];
            parts: components["schemas"]["ScorePartRead"][];
            overridden: boolean;
            override_reason: string | null;
            why: string;
            /** @description Every override, newest first. */
            history: components["schemas"]["RiskOverrideRead"][];
        };
        /**
         * @description The group robots an org unit may have.
         * @enum {string}
         */
        RobotChannel: "wecom" | "dingtalk";
        /**
         * @example {
         *       "items": [
         *         {
         *           "org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *           "channel": "dingtalk",
         *           "url": "https://oapi.dingtalk.com/robot/send?access_token=***",
         *           "signed": true,
         *           "updated_at": "2025-06-16T02:00:00Z"
         *         }
         *       ]
         *     }
         */
        RobotList: {
            items: components["schemas"]["RobotRead"][];
        };
        /**
         * @example {
         *       "org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *       "channel": "dingtalk",
         *       "url": "https://oapi.dingtalk.com/robot/send?access_token=***",
         *       "signed": true,
         *       "updated_at": "2025-06-16T02:00:00Z"
         *     }
         */
        RobotRead: {
            /** Format: uuid */
            org_unit_id: string;
            channel: components["schemas"]["RobotChannel"];
            /** @description The URL with its credentials hidden. */
            url: string;
            /** @description Whether a signing secret is kept. */
            signed: boolean;
            /** Format: date-time */
            updated_at: string;
        };
        /**
         * @example {
         *       "url": "https://oapi.dingtalk.com/robot/send?access_token=0f1e2d3c4b5a",
         *       "secret": "SEC0123456789abcdef"
         *     }
         */
        RobotWrite: {
            /** @description The group robot's webhook URL (http or https; checked against SSRF: private addresses are refused unless listed in ANQUAN_WEBHOOK_ALLOWED_PRIVATE_HOSTS). */
            url: string;
            /** @description DingTalk's 加签 secret (SEC…), when the robot signs. */
            secret?: string | null;
        };
        /** @enum {string} */
        Role: "street_admin" | "supervisor" | "department_officer" | "village_officer" | "enterprise_user" | "district_viewer";
        /**
         * @example {
         *       "factor": "sector",
         *       "points": 35,
         *       "why": "行业领域：危险化学品"
         *     }
         */
        ScorePartRead: {
            factor: string;
            points: number;
            why: string;
        };
        /**
         * @example {
         *       "items": [
         *         {
         *           "code": "hazardous_chemicals",
         *           "name": "危险化学品",
         *           "lead_department_id": "0193a5c0-0a02-7000-8000-00000000a002",
         *           "high_risk_default": true
         *         },
         *         {
         *           "code": "gas",
         *           "name": "燃气",
         *           "lead_department_id": "0193a5c0-0a03-7000-8000-00000000a003",
         *           "high_risk_default": true
         *         }
         *       ]
         *     }
         */
        SectorList: {
            items: components["schemas"]["SectorRead"][];
        };
        /**
         * @example {
         *       "code": "hazardous_chemicals",
         *       "name": "危险化学品",
         *       "lead_department_id": "0193a5c0-0a02-7000-8000-00000000a002",
         *       "high_risk_default": true
         *     }
         */
        SectorRead: {
            code: string;
            name: string;
            lead_department_id: string | null;
            high_risk_default: boolean;
        };
        /** @enum {string} */
        Source: "self_inspection" | "supervision" | "enforcement" | "patrol" | "public_report" | "other";
        /**
         * @description Where a criterion comes from (K1): the document and the article and item in it.
         * @example {
         *       "title": "工贸企业重大事故隐患判定标准",
         *       "issuer": "应急管理部",
         *       "number": "应急管理部令第10号",
         *       "article": "第十三条",
         *       "item": "（一）",
         *       "article_text": "存在硫化氢、一氧化碳等中毒风险的有限空间作业的工贸企业有下列情形之一的，应当判定为重大事故隐患：",
         *       "published_on": "2023-04-14",
         *       "complete": false
         *     }
         */
        StandardRead: {
            title: string;
            issuer: string;
            /** @description The document number (文号) or the standard's number (GB …). */
            number: string;
            /** @description The article (第四条), the chapter of a GB standard, or null. */
            article: string | null;
            /** @description The item as published (（一）, 一、, 6.1), or null for a whole article. */
            item: string | null;
            /** @description The article's lead-in sentence, as published. */
            article_text: string | null;
            published_on: string | null;
            /** @description Whether every item of the document is in the library. */
            complete: boolean;
        };
        /** @enum {string} */
        StandardizationLevel: "none" | "3" | "2" | "1";
        /**
         * @description What hazard statistics are grouped by.
         * @enum {string}
         */
        StatsGroup: "village" | "sector" | "source" | "grade" | "status" | "month" | "criterion" | "risk_level";
        /**
         * @example {
         *       "key": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *       "label": "【演示】东湖村",
         *       "total": 38,
         *       "open": 6,
         *       "overdue": 1,
         *       "closed": 30,
         *       "void": 2,
         *       "closure_rate": 0.833,
         *       "median_days_to_close": 21.5
         *     }
         */
        StatsRow: {
            key: string | null;
            label: string | null;
            total: number;
            open: number;
            overdue: number;
            closed: number;
            void: number;
            /** @description closed / (total − void) */
            closure_rate: number | null;
            median_days_to_close: number | null;
        };
        /**
         * @example {
         *       "evidence": "已更换报警器并完成联锁调试，附验收照片",
         *       "attachment_ids": [
         *         "0193a5c1-6c0d-7e1f-8a2b-3c4d5e6f7a89"
         *       ],
         *       "effective_on": "2025-04-28"
         *     }
         */
        SubmitRequest: {
            /** @description What was done (H4). */
            evidence?: string | null;
            /** @description Ids from POST /api/v1/attachments. */
            attachment_ids?: string[];
            comment?: string | null;
            /** @description Business date the step took effect (default today, Asia/Shanghai); never in the future, never before the previous step (H7). */
            effective_on?: string | null;
        };
        /**
         * @example {
         *       "report": "已完成对辖区12家企业的督导，发现隐患3处"
         *     }
         */
        SubmitTaskRequest: {
            /** @description What the assignee unit did and found (督导/整改情况报告). */
            report: string;
        };
        /**
         * @description R6: `disabled` by a user or after 3 days of failed deliveries (`disabled_reason` says which).
         * @enum {string}
         */
        SubscriptionStatus: "active" | "disabled";
        /**
         * @description The units C3 supervises.
         * @enum {string}
         */
        SupervisedKind: "village" | "department";
        /**
         * @example {
         *       "as_of": "2025-06-30",
         *       "period": "2025-H1",
         *       "summary": {
         *         "units": 18,
         *         "done": 15,
         *         "due": 3,
         *         "with_missed": 1,
         *         "coverage": 0.833
         *       },
         *       "items": [
         *         {
         *           "org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *           "name": "【演示】东湖村",
         *           "kind": "village",
         *           "period": "2025-H1",
         *           "status": "done",
         *           "missed_periods": 0,
         *           "missed": []
         *         }
         *       ]
         *     }
         */
        SupervisionCompliance: {
            /** Format: date */
            as_of: string;
            period: string;
            summary: components["schemas"]["SupervisionSummary"];
            items: components["schemas"]["UnitSupervision"][];
        };
        /**
         * @example {
         *       "units": 18,
         *       "done": 15,
         *       "due": 3,
         *       "with_missed": 1,
         *       "coverage": 0.833
         *     }
         */
        SupervisionSummary: {
            units: number;
            done: number;
            due: number;
            with_missed: number;
            coverage: number | null;
        };
        /**
         * @example {
         *       "kind": "supervision_round",
         *       "title": "2025年上半年安全生产督导",
         *       "assignee_org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *       "target_org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *       "due_on": "2025-06-30"
         *     }
         */
        SupervisionTaskCreate: {
            kind: components["schemas"]["TaskKind"];
            title: string;
            description?: string | null;
            /**
             * Format: uuid
             * @description The village or department that carries the task out and submits it.
             */
            assignee_org_unit_id: string;
            /** @description The village or department supervised; required for `supervision_round` (C3 counts it). */
            target_org_unit_id?: string | null;
            /** @description The hazard overseen; required for `hazard_oversight`. */
            hazard_id?: string | null;
            /**
             * Format: date
             * @description Not before today (Asia/Shanghai); past it the task is overdue until accepted.
             */
            due_on: string;
        };
        /**
         * @example {
         *       "items": [
         *         {
         *           "id": "0193a5c1-3f7a-7b8c-9d9e-0f1a2b3c4d56",
         *           "kind": "supervision_round",
         *           "title": "2025年上半年东湖村安全生产督导",
         *           "description": "对东湖村开展半年度督导，覆盖危险化学品企业",
         *           "assignee_org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *           "target_org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *           "hazard_id": null,
         *           "due_on": "2025-06-30",
         *           "status": "submitted",
         *           "report": "已完成对辖区12家企业的督导，发现隐患3处",
         *           "review_comment": null,
         *           "submitted_at": "2025-06-25T16:12:00+08:00",
         *           "completed_on": null,
         *           "overdue": false,
         *           "allowed_actions": [
         *             "accept",
         *             "return"
         *           ],
         *           "referrals": [],
         *           "hazard_ids": [
         *             "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d"
         *           ],
         *           "created_by": "0193a5c0-0b01-7000-8000-00000000b001",
         *           "created_at": "2025-06-01T09:00:00+08:00",
         *           "updated_at": "2025-06-25T16:12:00+08:00"
         *         }
         *       ],
         *       "next_cursor": null
         *     }
         */
        SupervisionTaskPage: {
            items: components["schemas"]["SupervisionTaskRead"][];
            next_cursor: string | null;
        };
        /**
         * @example {
         *       "id": "0193a5c1-3f7a-7b8c-9d9e-0f1a2b3c4d56",
         *       "kind": "supervision_round",
         *       "title": "2025年上半年东湖村安全生产督导",
         *       "description": "对东湖村开展半年度督导，覆盖危险化学品企业",
         *       "assignee_org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *       "target_org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *       "hazard_id": null,
         *       "due_on": "2025-06-30",
         *       "status": "submitted",
         *       "report": "已完成对辖区12家企业的督导，发现隐患3处",
         *       "review_comment": null,
         *       "submitted_at": "2025-06-25T16:12:00+08:00",
         *       "completed_on": null,
         *       "overdue": false,
         *       "allowed_actions": [
         *         "accept",
         *         "return"
         *       ],
         *       "referrals": [],
         *       "hazard_ids": [
         *         "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d"
         *       ],
         *       "created_by": "0193a5c0-0b01-7000-8000-00000000b001",
         *       "created_at": "2025-06-01T09:00:00+08:00",
         *       "updated_at": "2025-06-25T16:12:00+08:00"
         *     }
         */
        SupervisionTaskRead: {
            /** Format: uuid */
            id: string;
            kind: components["schemas"]["TaskKind"];
            title: string;
            description: string | null;
            /** Format: uuid */
            assignee_org_unit_id: string;
            target_org_unit_id: string | null;
            hazard_id: string | null;
            /** Format: date */
            due_on: string;
            status: components["schemas"]["TaskStatus"];
            /** @description The assignee's latest submission. */
            report: string | null;
            /** @description The street office's latest comment on acceptance or return. */
            review_comment: string | null;
            submitted_at: string | null;
            /** @description Set on acceptance only; the date C3 counts. */
            completed_on: string | null;
            /** @description Not accepted and today is past `due_on` (S2). */
            overdue: boolean;
            allowed_actions: components["schemas"]["TaskAction"][];
            /** @description 移交 recorded on the task; shown to the street office and district systems. */
            referrals: components["schemas"]["ReferralRead"][];
            /** @description Hazards created from the task's findings that the caller can see. */
            hazard_ids: string[];
            /** Format: uuid */
            created_by: string;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
        };
        /**
         * @example {
         *       "code": "stock_cleared",
         *       "year": 2024,
         *       "status": "met",
         *       "figures": {
         *         "stock_total": 42,
         *         "open_stock": 0,
         *         "closed_by_deadline": 42,
         *         "open_at_deadline": 0,
         *         "overdue_open_stock": 0
         *       }
         *     }
         */
        Target: {
            code: components["schemas"]["TargetCode"];
            year: number;
            status: components["schemas"]["TargetStatus"];
            figures: {
                [key: string]: number;
            };
        };
        /**
         * @description T1 `stock_cleared` (2024), T2 `increment_reduced` (2025), T3 `dynamic_zero` (2026).
         * @enum {string}
         */
        TargetCode: "stock_cleared" | "increment_reduced" | "dynamic_zero";
        /**
         * @example {
         *       "as_of": "2025-06-30",
         *       "items": [
         *         {
         *           "code": "stock_cleared",
         *           "year": 2024,
         *           "status": "met",
         *           "figures": {
         *             "stock_total": 42,
         *             "open_stock": 0,
         *             "closed_by_deadline": 42,
         *             "open_at_deadline": 0,
         *             "overdue_open_stock": 0
         *           }
         *         },
         *         {
         *           "code": "increment_reduced",
         *           "year": 2025,
         *           "status": "on_track",
         *           "figures": {
         *             "count_ytd": 17,
         *             "count_prev_same_dates": 25
         *           }
         *         },
         *         {
         *           "code": "dynamic_zero",
         *           "year": 2026,
         *           "status": "at_risk",
         *           "figures": {
         *             "open_major": 2,
         *             "overdue_open_major": 1,
         *             "overdue_open_major_at_year_end": 0
         *           }
         *         }
         *       ]
         *     }
         */
        TargetList: {
            /** Format: date */
            as_of: string;
            items: components["schemas"]["Target"][];
        };
        /**
         * @description Where a year-end target stands.
         * @enum {string}
         */
        TargetStatus: "met" | "on_track" | "at_risk" | "missed";
        /** @enum {string} */
        TaskAction: "submit" | "accept" | "return";
        /**
         * @description A finding of a supervision task: it becomes a hazard (source `supervision`).
         * @example {
         *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
         *       "grade": "general",
         *       "title": "疏散通道堆放杂物",
         *       "deadline": "2025-06-20"
         *     }
         */
        TaskFinding: {
            /** Format: uuid */
            enterprise_id: string;
            grade: components["schemas"]["Grade"];
            title: string;
            description?: string | null;
            /** @description 判定标准条款 */
            criterion_ref?: string | null;
            /** @description 整改期限 set on the spot, if any. */
            deadline?: string | null;
            /** @description Default today (Asia/Shanghai); never in the future, never before the task was created. */
            discovered_on?: string | null;
        };
        /**
         * @description S1.
         * @enum {string}
         */
        TaskKind: "supervision_round" | "hazard_oversight" | "plan_measure" | "ad_hoc";
        /**
         * @description S2.
         * @enum {string}
         */
        TaskStatus: "open" | "submitted" | "returned" | "accepted";
        /**
         * @description The OAuth2 token request (form encoded); unknown fields are refused like everywhere.
         * @example {
         *       "grant_type": "password",
         *       "username": "village_donghu",
         *       "password": "anquan-demo-2024"
         *     }
         */
        TokenRequest: {
            /** @description `password` (the default) or `client_credentials`. */
            grant_type?: string | null;
            username?: string | null;
            password?: string | null;
            client_id?: string | null;
            client_secret?: string | null;
            /** @description Accepted and ignored (roles decide what a token may do). */
            scope?: string | null;
            /** @description Not supported: authorization_code grant. */
            code?: string | null;
            /** @description Not supported: authorization_code grant. */
            redirect_uri?: string | null;
            /** @description Not supported: authorization_code grant. */
            code_verifier?: string | null;
            /** @description Not here: use POST /api/v1/auth/refresh. */
            refresh_token?: string | null;
        };
        /**
         * @example {
         *       "access_token": "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiSldUIn0.eyJzdWIiOiIwMTkzYTVjMC0wYjA1LTcwMDAtODAwMC0wMDAwMDAwMGIwMDUifQ.c2lnbmF0dXJl",
         *       "token_type": "bearer",
         *       "expires_in": 3600,
         *       "refresh_token": "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiSldUIn0.eyJ0eXAiOiJyZWZyZXNoIn0.c2lnbmF0dXJl"
         *     }
         */
        TokenResponse: {
            access_token: string;
            /**
             * @default bearer
             * @example bearer
             */
            token_type: string;
            /**
             * @description Seconds until the access token expires.
             * @example 3600
             */
            expires_in: number;
            /** @description Absent for client_credentials. */
            refresh_token?: string | null;
        };
        /**
         * @description Whose training it was; C4 counts `principal` and `fire_safety_responsible`.
         * @enum {string}
         */
        TraineeRole: "principal" | "fire_safety_responsible" | "safety_manager" | "special_operations" | "employee";
        /**
         * @example {
         *       "year": 2025,
         *       "focus_tags": [
         *         "dust_explosion"
         *       ],
         *       "trainee_roles": [
         *         "principal",
         *         "fire_safety_responsible"
         *       ],
         *       "total": 12,
         *       "covered": 11,
         *       "rate": 0.917,
         *       "uncovered": [
         *         {
         *           "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
         *           "name": "【演示】东湖化工005有限公司",
         *           "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *           "sector": "industry_trade"
         *         }
         *       ]
         *     }
         */
        TrainingCompliance: {
            year: number;
            focus_tags: string[];
            trainee_roles: string[];
            total: number;
            covered: number;
            rate: number | null;
            uncovered: components["schemas"]["UncoveredEnterprise"][];
        };
        /**
         * @example {
         *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
         *       "trainee_role": "fire_safety_responsible",
         *       "trainee_name": "李娜",
         *       "topic": "消防安全责任人培训",
         *       "held_on": "2025-03-20",
         *       "hours": "8.0",
         *       "passed": true
         *     }
         */
        TrainingCreate: {
            /** Format: uuid */
            enterprise_id: string;
            /** @description C4 counts `principal` and `fire_safety_responsible` trainings. */
            trainee_role: components["schemas"]["TraineeRole"];
            trainee_name?: string | null;
            topic: string;
            /**
             * Format: date
             * @description Not in the future (Asia/Shanghai).
             */
            held_on: string;
            /** @description Hours, 0.1–999.9, one decimal place: a string as `"8.5"`, or a number (rounded to one place). */
            hours: number | string;
            /** @description C4 counts a training only when passed. */
            passed: boolean;
        };
        /**
         * @example {
         *       "items": [
         *         {
         *           "id": "0193a5c1-2e6f-7a7b-8c8d-9e0f1a2b3c45",
         *           "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
         *           "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *           "sector": "hazardous_chemicals",
         *           "trainee_role": "principal",
         *           "trainee_name": "王强",
         *           "topic": "主要负责人安全生产知识和管理能力培训",
         *           "held_on": "2025-03-20",
         *           "hours": "8.0",
         *           "passed": true,
         *           "created_by": "0193a5c0-0b06-7000-8000-00000000b006",
         *           "created_at": "2025-03-20T18:00:00+08:00"
         *         }
         *       ],
         *       "next_cursor": null
         *     }
         */
        TrainingPage: {
            items: components["schemas"]["TrainingRead"][];
            next_cursor: string | null;
        };
        /**
         * @example {
         *       "id": "0193a5c1-2e6f-7a7b-8c8d-9e0f1a2b3c45",
         *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
         *       "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *       "sector": "hazardous_chemicals",
         *       "trainee_role": "principal",
         *       "trainee_name": "王强",
         *       "topic": "主要负责人安全生产知识和管理能力培训",
         *       "held_on": "2025-03-20",
         *       "hours": "8.0",
         *       "passed": true,
         *       "created_by": "0193a5c0-0b06-7000-8000-00000000b006",
         *       "created_at": "2025-03-20T18:00:00+08:00"
         *     }
         */
        TrainingRead: {
            /** Format: uuid */
            id: string;
            /** Format: uuid */
            enterprise_id: string;
            /** Format: uuid */
            village_id: string;
            sector: string;
            trainee_role: components["schemas"]["TraineeRole"];
            trainee_name: string | null;
            topic: string;
            /** Format: date */
            held_on: string;
            hours: string;
            passed: boolean;
            created_by: string | null;
            /** Format: date-time */
            created_at: string;
        };
        /**
         * @example {
         *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
         *       "name": "【演示】东湖化工005有限公司",
         *       "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *       "sector": "industry_trade"
         *     }
         */
        UncoveredEnterprise: {
            /** Format: uuid */
            enterprise_id: string;
            name: string;
            /** Format: uuid */
            village_id: string;
            sector: string;
        };
        /**
         * @example {
         *       "org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *       "name": "【演示】东湖村",
         *       "kind": "village",
         *       "period": "2025-H1",
         *       "status": "done",
         *       "missed_periods": 0,
         *       "missed": []
         *     }
         */
        UnitSupervision: {
            /** Format: uuid */
            org_unit_id: string;
            name: string;
            kind: components["schemas"]["SupervisedKind"];
            period: string | null;
            status: components["schemas"]["CadenceStatus"];
            missed_periods: number;
            missed: string[];
        };
        /**
         * @example {
         *       "username": "village_xiling",
         *       "password": "change-me-2025",
         *       "role": "village_officer",
         *       "org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *       "display_name": "西岭村安全员"
         *     }
         */
        UserCreate: {
            /** @example village_officer_1 */
            username: string;
            password: string;
            role: components["schemas"]["Role"];
            org_unit_id?: string | null;
            enterprise_id?: string | null;
            display_name?: string | null;
        };
        /**
         * @example {
         *       "items": [
         *         {
         *           "id": "0193a5c0-0b05-7000-8000-00000000b005",
         *           "username": "village_donghu",
         *           "role": "village_officer",
         *           "org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *           "enterprise_id": null,
         *           "display_name": "【演示】village_donghu",
         *           "is_active": true,
         *           "created_at": "2024-02-01T09:00:00+08:00"
         *         }
         *       ],
         *       "next_cursor": null
         *     }
         */
        UserPage: {
            items: components["schemas"]["UserRead"][];
            next_cursor: string | null;
        };
        /**
         * @example {
         *       "id": "0193a5c0-0b05-7000-8000-00000000b005",
         *       "username": "village_donghu",
         *       "role": "village_officer",
         *       "org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
         *       "enterprise_id": null,
         *       "display_name": "【演示】village_donghu",
         *       "is_active": true,
         *       "created_at": "2024-02-01T09:00:00+08:00"
         *     }
         */
        UserRead: {
            /** Format: uuid */
            id: string;
            username: string;
            role: components["schemas"]["Role"];
            org_unit_id: string | null;
            enterprise_id: string | null;
            display_name: string | null;
            is_active: boolean;
            /** Format: date-time */
            created_at: string;
        };
        /**
         * @example {
         *       "is_active": false
         *     }
         */
        UserUpdate: {
            is_active?: boolean | null;
            password?: string | null;
            display_name?: string | null;
        };
        /**
         * @example {
         *       "outcome": "substantiated",
         *       "note": "现场核查属实，消防通道堵塞",
         *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
         *       "grade": "general",
         *       "title": "消防通道堵塞",
         *       "deadline": "2025-07-15"
         *     }
         * @example {
         *       "outcome": "unsubstantiated",
         *       "note": "现场核查未发现所述情况"
         *     }
         */
        VerifyRequest: {
            outcome: components["schemas"]["Outcome"];
            /** @description What the verification found. */
            note: string;
            /** @description substantiated: the enterprise of the hazard. */
            enterprise_id?: string | null;
            /** @description substantiated: the hazard's grade. */
            grade?: components["schemas"]["Grade"] | null;
            /** @description substantiated: the hazard's title. */
            title?: string | null;
            /** @description substantiated: the hazard's description (the report's text is not copied). */
            description?: string | null;
            /** @description substantiated: 判定标准条款. */
            criterion_ref?: string | null;
            /** @description substantiated: default the report's location. */
            location?: string | null;
            /** @description substantiated: default the date the report was received (Asia/Shanghai). */
            discovered_on?: string | null;
            /** @description substantiated: 整改期限, if given now. */
            deadline?: string | null;
        };
        /**
         * @example {
         *       "items": [
         *         {
         *           "id": "0193a5c2-7dbe-7f2a-8b3c-4d5e6f708192",
         *           "webhook_id": "msg_0193a5c27dbe7f2a8b3c4d5e6f708192",
         *           "event_id": 1025,
         *           "event_type": "hazard.created",
         *           "status": "delivered",
         *           "attempts": 3,
         *           "last_status_code": 200,
         *           "last_error": null,
         *           "next_attempt_at": null,
         *           "last_attempt_at": "2025-06-16T02:00:40Z",
         *           "delivered_at": "2025-06-16T02:00:40Z"
         *         }
         *       ],
         *       "next_cursor": 1025
         *     }
         */
        WebhookDeliveryPage: {
            items: components["schemas"]["WebhookDeliveryRead"][];
            /** @description The `event_id` of the last delivery of this page: pass it as `after`; null on the last page. */
            next_cursor: number | null;
        };
        /**
         * @example {
         *       "id": "0193a5c2-7dbe-7f2a-8b3c-4d5e6f708192",
         *       "webhook_id": "msg_0193a5c27dbe7f2a8b3c4d5e6f708192",
         *       "event_id": 1025,
         *       "event_type": "hazard.created",
         *       "status": "delivered",
         *       "attempts": 3,
         *       "last_status_code": 200,
         *       "last_error": null,
         *       "next_attempt_at": null,
         *       "last_attempt_at": "2025-06-16T02:00:40Z",
         *       "delivered_at": "2025-06-16T02:00:40Z"
         *     }
         */
        WebhookDeliveryRead: {
            /** Format: uuid */
            id: string;
            /** @description The `webhook-id` header of every attempt of this delivery. */
            webhook_id: string;
            /** @description The feed event's id (as in `GET /api/v1/events`). */
            event_id: number;
            event_type: string;
            status: components["schemas"]["DeliveryStatus"];
            attempts: number;
            last_status_code: number | null;
            last_error: string | null;
            next_attempt_at: string | null;
            last_attempt_at: string | null;
            delivered_at: string | null;
        };
        /**
         * @example {
         *       "url": "https://district.example.gov.cn/anquan/webhook",
         *       "event_types": [
         *         "hazard.created"
         *       ],
         *       "description": "区应急局隐患台账同步"
         *     }
         */
        WebhookSubscriptionCreate: {
            /** @description http or https, at most 2,000 characters; loopback, link-local and private addresses are refused unless listed in ANQUAN_WEBHOOK_ALLOWED_PRIVATE_HOSTS. */
            url: string;
            /** @description Feed event types, e.g. `hazard.created` (see `GET /api/v1/events`). */
            event_types: string[];
            description?: string | null;
        };
        /**
         * @example {
         *       "id": "0193a5c2-6cad-7e1f-9a2b-3c4d5e6f7081",
         *       "url": "https://district.example.gov.cn/anquan/webhook",
         *       "event_types": [
         *         "hazard.created",
         *         "hazard.status_changed"
         *       ],
         *       "description": "区应急局隐患台账同步",
         *       "status": "active",
         *       "disabled_reason": null,
         *       "created_by": "0193a5c0-0b05-7000-8000-00000000b005",
         *       "created_at": "2025-06-16T02:00:00Z",
         *       "updated_at": "2025-06-16T02:00:00Z",
         *       "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
         *     }
         */
        WebhookSubscriptionCreated: {
            /** Format: uuid */
            id: string;
            url: string;
            event_types: string[];
            description: string | null;
            status: components["schemas"]["SubscriptionStatus"];
            disabled_reason: string | null;
            /** Format: uuid */
            created_by: string;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
            /** @description The signing secret (Standard Webhooks, `whsec_…`); shown this once only. */
            secret: string;
        };
        /**
         * @example {
         *       "items": [
         *         {
         *           "id": "0193a5c2-6cad-7e1f-9a2b-3c4d5e6f7081",
         *           "url": "https://district.example.gov.cn/anquan/webhook",
         *           "event_types": [
         *             "hazard.created",
         *             "hazard.status_changed"
         *           ],
         *           "description": "区应急局隐患台账同步",
         *           "status": "active",
         *           "disabled_reason": null,
         *           "created_by": "0193a5c0-0b05-7000-8000-00000000b005",
         *           "created_at": "2025-06-16T02:00:00Z",
         *           "updated_at": "2025-06-16T02:00:00Z"
         *         }
         *       ],
         *       "next_cursor": null
         *     }
         */
        WebhookSubscriptionPage: {
            items: components["schemas"]["WebhookSubscriptionRead"][];
            next_cursor: string | null;
        };
        /**
         * @example {
         *       "status": "active"
         *     }
         */
        WebhookSubscriptionPatch: {
            url?: string;
            event_types?: string[];
            description?: string | null;
            /** @description `active` enables a disabled subscription again: its pending deliveries go out at once, in order. */
            status?: components["schemas"]["SubscriptionStatus"];
        };
        /**
         * @example {
         *       "id": "0193a5c2-6cad-7e1f-9a2b-3c4d5e6f7081",
         *       "url": "https://district.example.gov.cn/anquan/webhook",
         *       "event_types": [
         *         "hazard.created",
         *         "hazard.status_changed"
         *       ],
         *       "description": "区应急局隐患台账同步",
         *       "status": "active",
         *       "disabled_reason": null,
         *       "created_by": "0193a5c0-0b05-7000-8000-00000000b005",
         *       "created_at": "2025-06-16T02:00:00Z",
         *       "updated_at": "2025-06-16T02:00:00Z"
         *     }
         */
        WebhookSubscriptionRead: {
            /** Format: uuid */
            id: string;
            url: string;
            event_types: string[];
            description: string | null;
            status: components["schemas"]["SubscriptionStatus"];
            disabled_reason: string | null;
            /** Format: uuid */
            created_by: string;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
        };
        /**
         * @description The HTTP methods that write.
         * @enum {string}
         */
        WriteMethod: "POST" | "PUT" | "PATCH" | "DELETE";
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: {
        /** @description The representation's version. Send it back in `If-Match` to change the resource; a stale one answers 412. */
        ETag: string;
        /** @description Path of the resource created (or, for an escalation or a finding, of the resource it belongs to). */
        Location: string;
        /** @description The version of the data the figures reflect: the sequence number of the last write committed before the snapshot they were computed on (writes are numbered in commit order). Equal versions mean equal figures for the same question; a larger one includes every write of a smaller. */
        DataVersion: string;
        /** @description `true` when this is the stored first answer to an earlier request with the same `Idempotency-Key` (nothing was changed again). */
        IdempotentReplayed: "true";
        /** @description Seconds to wait before trying again. */
        RetryAfter: string;
        /** @description Seconds to wait before trying again, when the server can tell. */
        RetryAfterOptional: string;
        /** @description The authentication scheme to use: `Bearer`. */
        WWWAuthenticate: string;
        /** @description The request's id, as logged; the client's own `X-Request-ID` when it sent a valid one. */
        XRequestID: string;
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    healthz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The process is up. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "ok"
                     *     }
                     */
                    "application/json": components["schemas"]["Health"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    readyz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The process and the database are up. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "ok"
                     *     }
                     */
                    "application/json": components["schemas"]["Health"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The database is unavailable; retry after Retry-After seconds */
            503: {
                headers: {
                    "Retry-After": components["headers"]["RetryAfterOptional"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    create_token: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "grant_type": "password",
                 *       "username": "village_donghu",
                 *       "password": "anquan-demo-2024"
                 *     }
                 */
                "application/x-www-form-urlencoded": components["schemas"]["TokenRequest"];
            };
        };
        responses: {
            /** @description The access token (and, for people, a refresh token). */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "access_token": "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiSldUIn0.eyJzdWIiOiIwMTkzYTVjMC0wYjA1LTcwMDAtODAwMC0wMDAwMDAwMGIwMDUifQ.c2lnbmF0dXJl",
                     *       "token_type": "bearer",
                     *       "expires_in": 3600,
                     *       "refresh_token": "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiSldUIn0.eyJ0eXAiOiJyZWZyZXNoIn0.c2lnbmF0dXJl"
                     *     }
                     */
                    "application/json": components["schemas"]["TokenResponse"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: a grant without its credentials, or an unsupported `grant_type` */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests; see Retry-After */
            429: {
                headers: {
                    "Retry-After": components["headers"]["RetryAfter"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    refresh_token: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "refresh_token": "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiSldUIn0.eyJ0eXAiOiJyZWZyZXNoIn0.c2lnbmF0dXJl"
                 *     }
                 */
                "application/json": components["schemas"]["RefreshRequest"];
            };
        };
        responses: {
            /** @description New tokens. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "access_token": "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiSldUIn0.eyJzdWIiOiIwMTkzYTVjMC0wYjA1LTcwMDAtODAwMC0wMDAwMDAwMGIwMDUifQ.c2lnbmF0dXJl",
                     *       "token_type": "bearer",
                     *       "expires_in": 3600,
                     *       "refresh_token": "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiSldUIn0.eyJ0eXAiOiJyZWZyZXNoIn0.c2lnbmF0dXJl"
                     *     }
                     */
                    "application/json": components["schemas"]["TokenResponse"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests; see Retry-After */
            429: {
                headers: {
                    "Retry-After": components["headers"]["RetryAfter"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    logout: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                /** @example {} */
                "application/json": components["schemas"]["LogoutRequest"];
            };
        };
        responses: {
            /** @description The session is over: its tokens are refused from now on. */
            204: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_me: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The caller. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c0-0b05-7000-8000-00000000b005",
                     *       "username": "village_donghu",
                     *       "role": "village_officer",
                     *       "org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "enterprise_id": null
                     *     }
                     */
                    "application/json": components["schemas"]["Me"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_org_units: {
        parameters: {
            query?: {
                /**
                 * @description Only units of this kind.
                 * @example village
                 */
                kind?: components["schemas"]["OrgUnitKind"];
                /**
                 * @description Page size, 1–200.
                 * @example 50
                 */
                limit?: number;
                /**
                 * @description Opaque token: `next_cursor` of the previous page, passed back unchanged (22 characters, base64url). Leave it out for the first page.
                 * @example AZO0z3Qge7Wd9Dpz3k6Ovg
                 */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of org units, in creation order. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "items": [
                     *         {
                     *           "id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *           "kind": "village",
                     *           "name": "【演示】东湖村",
                     *           "code": "demo-village-1",
                     *           "lead_sectors": [],
                     *           "created_at": "2024-02-01T09:00:00+08:00"
                     *         },
                     *         {
                     *           "id": "0193a5c0-0a02-7000-8000-00000000a002",
                     *           "kind": "department",
                     *           "name": "应急管理",
                     *           "code": "emergency_management",
                     *           "lead_sectors": [
                     *             "hazardous_chemicals",
                     *             "industry_trade"
                     *           ],
                     *           "created_at": "2024-02-01T09:00:00+08:00"
                     *         }
                     *       ],
                     *       "next_cursor": null
                     *     }
                     */
                    "application/json": components["schemas"]["OrgUnitPage"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    create_org_unit: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "kind": "village",
                 *       "name": "东湖村",
                 *       "code": "donghu"
                 *     }
                 */
                "application/json": components["schemas"]["OrgUnitCreate"];
            };
        };
        responses: {
            /** @description The org unit as created. */
            201: {
                headers: {
                    Location: components["headers"]["Location"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "kind": "village",
                     *       "name": "【演示】东湖村",
                     *       "code": "demo-village-1",
                     *       "lead_sectors": [],
                     *       "created_at": "2024-02-01T09:00:00+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["OrgUnitRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: `lead_sectors` that are not sector codes, or given for a unit that is not a department; an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_org_unit: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The org unit's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01
                 */
                org_unit_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The org unit. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "kind": "village",
                     *       "name": "【演示】东湖村",
                     *       "code": "demo-village-1",
                     *       "lead_sectors": [],
                     *       "created_at": "2024-02-01T09:00:00+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["OrgUnitRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_sectors: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Every sector. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "items": [
                     *         {
                     *           "code": "hazardous_chemicals",
                     *           "name": "危险化学品",
                     *           "lead_department_id": "0193a5c0-0a02-7000-8000-00000000a002",
                     *           "high_risk_default": true
                     *         },
                     *         {
                     *           "code": "gas",
                     *           "name": "燃气",
                     *           "lead_department_id": "0193a5c0-0a03-7000-8000-00000000a003",
                     *           "high_risk_default": true
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["SectorList"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_users: {
        parameters: {
            query?: {
                /**
                 * @description Only users of this role.
                 * @example village_officer
                 */
                role?: components["schemas"]["Role"];
                /**
                 * @description Only users of this org unit.
                 * @example 0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01
                 */
                org_unit_id?: string;
                /**
                 * @description Page size, 1–200.
                 * @example 50
                 */
                limit?: number;
                /**
                 * @description Opaque token: `next_cursor` of the previous page, passed back unchanged (22 characters, base64url). Leave it out for the first page.
                 * @example AZO0z3Qge7Wd9Dpz3k6Ovg
                 */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of users. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "items": [
                     *         {
                     *           "id": "0193a5c0-0b05-7000-8000-00000000b005",
                     *           "username": "village_donghu",
                     *           "role": "village_officer",
                     *           "org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *           "enterprise_id": null,
                     *           "display_name": "【演示】village_donghu",
                     *           "is_active": true,
                     *           "created_at": "2024-02-01T09:00:00+08:00"
                     *         }
                     *       ],
                     *       "next_cursor": null
                     *     }
                     */
                    "application/json": components["schemas"]["UserPage"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    create_user: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "username": "village_xiling",
                 *       "password": "change-me-2025",
                 *       "role": "village_officer",
                 *       "org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                 *       "display_name": "西岭村安全员"
                 *     }
                 */
                "application/json": components["schemas"]["UserCreate"];
            };
        };
        responses: {
            /** @description The user as created. */
            201: {
                headers: {
                    Location: components["headers"]["Location"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c0-0b05-7000-8000-00000000b005",
                     *       "username": "village_donghu",
                     *       "role": "village_officer",
                     *       "org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "enterprise_id": null,
                     *       "display_name": "【演示】village_donghu",
                     *       "is_active": true,
                     *       "created_at": "2024-02-01T09:00:00+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["UserRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: an org unit or enterprise that does not exist or does not fit the role; an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_user: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The user's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c0-0b05-7000-8000-00000000b005
                 */
                user_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The user. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c0-0b05-7000-8000-00000000b005",
                     *       "username": "village_donghu",
                     *       "role": "village_officer",
                     *       "org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "enterprise_id": null,
                     *       "display_name": "【演示】village_donghu",
                     *       "is_active": true,
                     *       "created_at": "2024-02-01T09:00:00+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["UserRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    update_user: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The user's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c0-0b05-7000-8000-00000000b005
                 */
                user_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "is_active": false
                 *     }
                 */
                "application/json": components["schemas"]["UserUpdate"];
            };
        };
        responses: {
            /** @description The user as changed. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c0-0b05-7000-8000-00000000b005",
                     *       "username": "village_donghu",
                     *       "role": "village_officer",
                     *       "org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "enterprise_id": null,
                     *       "display_name": "【演示】village_donghu",
                     *       "is_active": true,
                     *       "created_at": "2024-02-01T09:00:00+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["UserRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_org_unit_escalations: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The org unit's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01
                 */
                org_unit_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The unit's escalations, oldest first. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "items": [
                     *         {
                     *           "id": "0193a5c1-7d1e-7f2a-9b3c-4d5e6f7a8b9a",
                     *           "hazard_id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
                     *           "org_unit_id": null,
                     *           "kind": "letter",
                     *           "note": "整改进度滞后，函告企业主要负责人",
                     *           "effective_on": "2025-04-10",
                     *           "created_by": "0193a5c0-0b01-7000-8000-00000000b001",
                     *           "created_at": "2025-04-10T08:30:00+08:00"
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["EscalationList"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    escalate_org_unit: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
            };
            path: {
                /**
                 * @description The org unit's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01
                 */
                org_unit_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "kind": "letter",
                 *       "note": "整改进度滞后，函告企业主要负责人",
                 *       "effective_on": "2025-04-10"
                 *     }
                 */
                "application/json": components["schemas"]["EscalationCreate"];
            };
        };
        responses: {
            /** @description The escalation recorded; `Location` is the unit's list of escalations. */
            201: {
                headers: {
                    Location: components["headers"]["Location"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c1-7d1e-7f2a-9b3c-4d5e6f7a8b9a",
                     *       "hazard_id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
                     *       "org_unit_id": null,
                     *       "kind": "letter",
                     *       "note": "整改进度滞后，函告企业主要负责人",
                     *       "effective_on": "2025-04-10",
                     *       "created_by": "0193a5c0-0b01-7000-8000-00000000b001",
                     *       "created_at": "2025-04-10T08:30:00+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["EscalationRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: the street office as addressee; `effective_on` in the future; an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_enterprises: {
        parameters: {
            query?: {
                /**
                 * @description Only those of this village (an org unit of kind `village`).
                 * @example 0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01
                 */
                village_id?: string;
                /**
                 * @description Only those of this sector: a code from `GET /api/v1/sectors`.
                 * @example hazardous_chemicals
                 */
                sector?: string;
                /**
                 * @description `true`: only high-risk enterprises (高危); `false`: the others.
                 * @example true
                 */
                high_risk?: boolean;
                /**
                 * @description Only enterprises in this status.
                 * @example active
                 */
                status?: components["schemas"]["EnterpriseStatus"];
                /**
                 * @description Only enterprises with this tag.
                 * @example dust_explosion
                 */
                tag?: components["schemas"]["EnterpriseTag"];
                /**
                 * @description Part of the name, or the start of the credit code.
                 * @example 东湖化工
                 */
                q?: string;
                /**
                 * @description Only enterprises of this risk level (K4, overrides included). A page may hold fewer than `limit` items with a `next_cursor`: keep following it.
                 * @example red
                 */
                risk_level?: components["schemas"]["RiskLevel"];
                /**
                 * @description Page size, 1–200.
                 * @example 50
                 */
                limit?: number;
                /**
                 * @description Opaque token: `next_cursor` of the previous page, passed back unchanged (22 characters, base64url). Leave it out for the first page.
                 * @example AZO0z3Qge7Wd9Dpz3k6Ovg
                 */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of enterprises, in registration order. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "items": [
                     *         {
                     *           "id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                     *           "name": "【演示】东湖化工005有限公司",
                     *           "credit_code": "91340100MA2N0K1X2B",
                     *           "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *           "sector": "hazardous_chemicals",
                     *           "high_risk": true,
                     *           "status": "active",
                     *           "registered_on": "2019-05-10",
                     *           "tags": [
                     *             "confined_space"
                     *           ],
                     *           "principal": {
                     *             "name": "王强",
                     *             "phone": "13800138000"
                     *           },
                     *           "actual_controller": {
                     *             "name": "王建国",
                     *             "phone": "13900139000"
                     *           },
                     *           "address": "东湖村工业园区三路12号",
                     *           "standardization_level": "3",
                     *           "benchmark": false,
                     *           "location": {
                     *             "lng": 117.2272,
                     *             "lat": 31.8206
                     *           },
                     *           "created_at": "2025-03-02T09:15:27.412+08:00",
                     *           "updated_at": "2025-04-28T16:40:03.118+08:00"
                     *         }
                     *       ],
                     *       "next_cursor": "AZOlwCs8fU6fWmt8jZ4PEg"
                     *     }
                     */
                    "application/json": components["schemas"]["EnterprisePage"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    create_enterprise: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "name": "东湖精细化工有限公司",
                 *       "credit_code": "91340100MA2N0K1X2B",
                 *       "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                 *       "sector": "hazardous_chemicals",
                 *       "registered_on": "2021-05-10",
                 *       "tags": [
                 *         "confined_space"
                 *       ],
                 *       "principal": {
                 *         "name": "王强",
                 *         "phone": "13800138000"
                 *       },
                 *       "actual_controller": {
                 *         "name": "王建国",
                 *         "phone": "13900139000"
                 *       },
                 *       "standardization_level": "3"
                 *     }
                 */
                "application/json": components["schemas"]["EnterpriseCreate"];
            };
        };
        responses: {
            /** @description The enterprise as registered. */
            201: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    Location: components["headers"]["Location"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                     *       "name": "【演示】东湖化工005有限公司",
                     *       "credit_code": "91340100MA2N0K1X2B",
                     *       "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "sector": "hazardous_chemicals",
                     *       "high_risk": true,
                     *       "status": "active",
                     *       "registered_on": "2019-05-10",
                     *       "tags": [
                     *         "confined_space"
                     *       ],
                     *       "principal": {
                     *         "name": "王强",
                     *         "phone": "13800138000"
                     *       },
                     *       "actual_controller": {
                     *         "name": "王建国",
                     *         "phone": "13900139000"
                     *       },
                     *       "address": "东湖村工业园区三路12号",
                     *       "standardization_level": "3",
                     *       "benchmark": false,
                     *       "location": {
                     *         "lng": 117.2272,
                     *         "lat": 31.8206
                     *       },
                     *       "created_at": "2025-03-02T09:15:27.412+08:00",
                     *       "updated_at": "2025-04-28T16:40:03.118+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["EnterpriseRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: a credit code whose check character is wrong; a village or sector that does not exist; an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    enterprises_geojson: {
        parameters: {
            query?: {
                /**
                 * @description Only those of this village (an org unit of kind `village`).
                 * @example 0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01
                 */
                village_id?: string;
                /**
                 * @description Only those of this sector: a code from `GET /api/v1/sectors`.
                 * @example hazardous_chemicals
                 */
                sector?: string;
                /**
                 * @description Only enterprises of this risk level (K4, overrides included). A page may hold fewer than `limit` items with a `next_cursor`: keep following it.
                 * @example red
                 */
                risk_level?: components["schemas"]["RiskLevel"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The enterprises as GeoJSON features. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "FeatureCollection",
                     *       "features": [
                     *         {
                     *           "type": "Feature",
                     *           "id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                     *           "geometry": {
                     *             "type": "Point",
                     *             "coordinates": [
                     *               117.2272,
                     *               31.8206
                     *             ]
                     *           },
                     *           "properties": {
                     *             "name": "【演示】东湖化工005有限公司",
                     *             "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *             "sector": "hazardous_chemicals",
                     *             "status": "active",
                     *             "high_risk": true,
                     *             "risk_level": "orange",
                     *             "score": 70,
                     *             "overridden": false
                     *           }
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["FeatureCollection"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_enterprise: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The enterprise's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12
                 */
                enterprise_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The enterprise. */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                     *       "name": "【演示】东湖化工005有限公司",
                     *       "credit_code": "91340100MA2N0K1X2B",
                     *       "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "sector": "hazardous_chemicals",
                     *       "high_risk": true,
                     *       "status": "active",
                     *       "registered_on": "2019-05-10",
                     *       "tags": [
                     *         "confined_space"
                     *       ],
                     *       "principal": {
                     *         "name": "王强",
                     *         "phone": "13800138000"
                     *       },
                     *       "actual_controller": {
                     *         "name": "王建国",
                     *         "phone": "13900139000"
                     *       },
                     *       "address": "东湖村工业园区三路12号",
                     *       "standardization_level": "3",
                     *       "benchmark": false,
                     *       "location": {
                     *         "lng": 117.2272,
                     *         "lat": 31.8206
                     *       },
                     *       "created_at": "2025-03-02T09:15:27.412+08:00",
                     *       "updated_at": "2025-04-28T16:40:03.118+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["EnterpriseRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    update_enterprise: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description The `ETag` of the representation the change is based on, as the server sent it (`"3"`), or a list of them; `*` for any. Anything that names no current representation — a stale ETag, or text that is no entity tag at all — answers 412 with the current ETag (RFC 9110: the precondition is evaluated before the content). Without it the change applies to whatever is current.
                 * @example "3"
                 */
                "If-Match"?: string;
            };
            path: {
                /**
                 * @description The enterprise's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12
                 */
                enterprise_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "status": "suspended",
                 *       "effective_on": "2025-03-01"
                 *     }
                 */
                "application/json": components["schemas"]["EnterpriseUpdate"];
            };
        };
        responses: {
            /** @description The enterprise as changed. */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                     *       "name": "【演示】东湖化工005有限公司",
                     *       "credit_code": "91340100MA2N0K1X2B",
                     *       "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "sector": "hazardous_chemicals",
                     *       "high_risk": true,
                     *       "status": "active",
                     *       "registered_on": "2019-05-10",
                     *       "tags": [
                     *         "confined_space"
                     *       ],
                     *       "principal": {
                     *         "name": "王强",
                     *         "phone": "13800138000"
                     *       },
                     *       "actual_controller": {
                     *         "name": "王建国",
                     *         "phone": "13900139000"
                     *       },
                     *       "address": "东湖村工业园区三路12号",
                     *       "standardization_level": "3",
                     *       "benchmark": false,
                     *       "location": {
                     *         "lng": 117.2272,
                     *         "lat": 31.8206
                     *       },
                     *       "created_at": "2025-03-02T09:15:27.412+08:00",
                     *       "updated_at": "2025-04-28T16:40:03.118+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["EnterpriseRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description If-Match names a stale version */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: a village or sector that does not exist; `effective_on` in the future or before the previous change */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_risk: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The enterprise's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12
                 */
                enterprise_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The risk level and its parts. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                     *       "level": "red",
                     *       "score": 70,
                     *       "computed_level": "orange",
                     *       "parts": [
                     *         {
                     *           "factor": "sector",
                     *           "points": 35,
                     *           "why": "行业领域：危险化学品"
                     *         },
                     *         {
                     *           "factor": "high_risk",
                     *           "points": 15,
                     *           "why": "高危行业领域"
                     *         },
                     *         {
                     *           "factor": "open_major_hazards",
                     *           "points": 15,
                     *           "why": "未销号重大事故隐患1项（每项15分，最多45分）"
                     *         },
                     *         {
                     *           "factor": "overdue_major_hazards",
                     *           "points": 10,
                     *           "why": "其中逾期未整改1项（每项另加10分，最多30分）"
                     *         },
                     *         {
                     *           "factor": "standardization",
                     *           "points": -5,
                     *           "why": "安全生产标准化三级"
                     *         }
                     *       ],
                     *       "overridden": true,
                     *       "override_reason": "近期发生险情，提级管控",
                     *       "why": "人工认定为重大风险，理由：近期发生险情，提级管控；按评分为较大风险（70分）",
                     *       "history": [
                     *         {
                     *           "level": "red",
                     *           "reason": "近期发生险情，提级管控",
                     *           "computed_level": "orange",
                     *           "score": 70,
                     *           "created_by": "0193a5c0-0b01-7000-8000-00000000b001",
                     *           "created_by_role": "street_admin",
                     *           "created_at": "2026-12-01T09:00:00+08:00"
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["RiskRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    override_risk: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
            };
            path: {
                /**
                 * @description The enterprise's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12
                 */
                enterprise_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "level": "red",
                 *       "reason": "近期发生险情，提级管控"
                 *     }
                 */
                "application/json": components["schemas"]["RiskOverrideCreate"];
            };
        };
        responses: {
            /** @description The risk level with the override. */
            200: {
                headers: {
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                     *       "level": "red",
                     *       "score": 70,
                     *       "computed_level": "orange",
                     *       "parts": [
                     *         {
                     *           "factor": "sector",
                     *           "points": 35,
                     *           "why": "行业领域：危险化学品"
                     *         },
                     *         {
                     *           "factor": "high_risk",
                     *           "points": 15,
                     *           "why": "高危行业领域"
                     *         },
                     *         {
                     *           "factor": "open_major_hazards",
                     *           "points": 15,
                     *           "why": "未销号重大事故隐患1项（每项15分，最多45分）"
                     *         },
                     *         {
                     *           "factor": "overdue_major_hazards",
                     *           "points": 10,
                     *           "why": "其中逾期未整改1项（每项另加10分，最多30分）"
                     *         },
                     *         {
                     *           "factor": "standardization",
                     *           "points": -5,
                     *           "why": "安全生产标准化三级"
                     *         }
                     *       ],
                     *       "overridden": true,
                     *       "override_reason": "近期发生险情，提级管控",
                     *       "why": "人工认定为重大风险，理由：近期发生险情，提级管控；按评分为较大风险（70分）",
                     *       "history": [
                     *         {
                     *           "level": "red",
                     *           "reason": "近期发生险情，提级管控",
                     *           "computed_level": "orange",
                     *           "score": 70,
                     *           "created_by": "0193a5c0-0b01-7000-8000-00000000b001",
                     *           "created_by_role": "street_admin",
                     *           "created_at": "2026-12-01T09:00:00+08:00"
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["RiskRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    export_hazards: {
        parameters: {
            query?: {
                /**
                 * @description `csv` (UTF-8 with a BOM, `text/csv`) or `xlsx` (an Excel workbook).
                 * @example xlsx
                 */
                format?: components["schemas"]["ExportFormat"];
                /**
                 * @description Only hazards in this state.
                 * @example rectifying
                 */
                status?: components["schemas"]["HazardStatus"];
                /**
                 * @description Only `major` (重大) or only `general` (一般) hazards.
                 * @example major
                 */
                grade?: components["schemas"]["Grade"];
                /**
                 * @description Only hazards of this source.
                 * @example supervision
                 */
                source?: components["schemas"]["Source"];
                /**
                 * @description Only those of this village (an org unit of kind `village`).
                 * @example 0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01
                 */
                village_id?: string;
                /**
                 * @description Only those of this sector: a code from `GET /api/v1/sectors`.
                 * @example hazardous_chemicals
                 */
                sector?: string;
                /**
                 * @description Only those of this enterprise.
                 * @example 0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12
                 */
                enterprise_id?: string;
                /**
                 * @description `true`: only open hazards past their deadline (H6, today in Asia/Shanghai); `false`: the others.
                 * @example true
                 */
                overdue?: boolean;
                /**
                 * @description `true`: only hazards listed for supervision (挂牌督办); `false`: the others.
                 * @example true
                 */
                listed?: boolean;
                /**
                 * @description Only those discovered on or after this date (Asia/Shanghai).
                 * @example 2025-01-01
                 */
                discovered_from?: string;
                /**
                 * @description Only those discovered on or before this date (Asia/Shanghai).
                 * @example 2025-06-30
                 */
                discovered_to?: string;
                /**
                 * @description Part of the title, in any case.
                 * @example 报警器
                 */
                q?: string;
                /**
                 * @description Only the hazards of enterprises at this risk level today (K4, overrides included).
                 * @example red
                 */
                risk_level?: components["schemas"]["RiskLevel"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The ledger as an attachment named `hazards-YYYYMMDD.csv` or `.xlsx`. */
            200: {
                headers: {
                    /** @description `attachment` with the file name. */
                    "Content-Disposition": string;
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example 隐患编号,隐患名称,所属单位
                     *     0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d,储罐区可燃气体报警器失效,【演示】东湖化工005有限公司
                     */
                    "text/csv": Blob;
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": Blob;
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_hazards: {
        parameters: {
            query?: {
                /**
                 * @description Only hazards in this state.
                 * @example rectifying
                 */
                status?: components["schemas"]["HazardStatus"];
                /**
                 * @description Only `major` (重大) or only `general` (一般) hazards.
                 * @example major
                 */
                grade?: components["schemas"]["Grade"];
                /**
                 * @description Only hazards of this source.
                 * @example supervision
                 */
                source?: components["schemas"]["Source"];
                /**
                 * @description Only those of this village (an org unit of kind `village`).
                 * @example 0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01
                 */
                village_id?: string;
                /**
                 * @description Only those of this sector: a code from `GET /api/v1/sectors`.
                 * @example hazardous_chemicals
                 */
                sector?: string;
                /**
                 * @description Only those of this enterprise.
                 * @example 0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12
                 */
                enterprise_id?: string;
                /**
                 * @description `true`: only open hazards past their deadline (H6, today in Asia/Shanghai); `false`: the others.
                 * @example true
                 */
                overdue?: boolean;
                /**
                 * @description `true`: only hazards listed for supervision (挂牌督办); `false`: the others.
                 * @example true
                 */
                listed?: boolean;
                /**
                 * @description Only those discovered on or after this date (Asia/Shanghai).
                 * @example 2025-01-01
                 */
                discovered_from?: string;
                /**
                 * @description Only those discovered on or before this date (Asia/Shanghai).
                 * @example 2025-06-30
                 */
                discovered_to?: string;
                /**
                 * @description Part of the title, in any case.
                 * @example 报警器
                 */
                q?: string;
                /**
                 * @description Page size, 1–200.
                 * @example 50
                 */
                limit?: number;
                /**
                 * @description Opaque token: `next_cursor` of the previous page, passed back unchanged (22 characters, base64url). Leave it out for the first page.
                 * @example AZO0z3Qge7Wd9Dpz3k6Ovg
                 */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of hazards, newest first. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "items": [
                     *         {
                     *           "id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
                     *           "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                     *           "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *           "sector": "hazardous_chemicals",
                     *           "grade": "major",
                     *           "source": "supervision",
                     *           "title": "储罐区可燃气体报警器失效",
                     *           "description": "2号储罐区可燃气体报警器无响应，未与切断阀联锁",
                     *           "criterion_ref": "化工和危险化学品生产经营单位重大生产安全事故隐患判定标准 第十条",
                     *           "criterion_code": "HGWH-2017-10",
                     *           "location": "2号储罐区",
                     *           "discovered_on": "2025-03-02",
                     *           "status": "rectifying",
                     *           "status_effective_on": "2025-03-05",
                     *           "deadline": "2025-04-30",
                     *           "overdue": false,
                     *           "extensions": 0,
                     *           "plan": {
                     *             "responsible_person": "李明",
                     *             "measures": "更换可燃气体报警器并与紧急切断阀联锁",
                     *             "funds": "12000.00",
                     *             "deadline": "2025-04-30",
                     *             "contingency_plan": "停用储罐区，设置警戒区，专人值守"
                     *           },
                     *           "evidence": null,
                     *           "listed": false,
                     *           "notified_at": "2025-03-02T09:15:27.412+08:00",
                     *           "closed_on": null,
                     *           "inspection_id": null,
                     *           "report_id": null,
                     *           "allowed_actions": [
                     *             "submit",
                     *             "void",
                     *             "extend"
                     *           ],
                     *           "created_at": "2025-03-02T09:15:27.412+08:00",
                     *           "updated_at": "2025-04-28T16:40:03.118+08:00"
                     *         }
                     *       ],
                     *       "next_cursor": "AZOlwG8ufUGbikweLzpbbQ"
                     *     }
                     */
                    "application/json": components["schemas"]["HazardPage"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    create_hazard: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                 *       "grade": "major",
                 *       "source": "supervision",
                 *       "title": "涉爆粉尘作业区域未设置泄爆装置",
                 *       "description": "除尘器未按规定设置泄爆口",
                 *       "criterion_ref": "工贸企业重大事故隐患判定标准 第十三条",
                 *       "discovered_on": "2025-03-02",
                 *       "deadline": "2025-04-30"
                 *     }
                 */
                "application/json": components["schemas"]["HazardCreate"];
            };
        };
        responses: {
            /** @description The hazard as recorded, `reported`. */
            201: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    Location: components["headers"]["Location"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
                     *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                     *       "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "sector": "hazardous_chemicals",
                     *       "grade": "major",
                     *       "source": "supervision",
                     *       "title": "储罐区可燃气体报警器失效",
                     *       "description": "2号储罐区可燃气体报警器无响应，未与切断阀联锁",
                     *       "criterion_ref": "化工和危险化学品生产经营单位重大生产安全事故隐患判定标准 第十条",
                     *       "criterion_code": "HGWH-2017-10",
                     *       "location": "2号储罐区",
                     *       "discovered_on": "2025-03-02",
                     *       "status": "rectifying",
                     *       "status_effective_on": "2025-03-05",
                     *       "deadline": "2025-04-30",
                     *       "overdue": false,
                     *       "extensions": 0,
                     *       "plan": {
                     *         "responsible_person": "李明",
                     *         "measures": "更换可燃气体报警器并与紧急切断阀联锁",
                     *         "funds": "12000.00",
                     *         "deadline": "2025-04-30",
                     *         "contingency_plan": "停用储罐区，设置警戒区，专人值守"
                     *       },
                     *       "evidence": null,
                     *       "listed": false,
                     *       "notified_at": "2025-03-02T09:15:27.412+08:00",
                     *       "closed_on": null,
                     *       "inspection_id": null,
                     *       "report_id": null,
                     *       "allowed_actions": [
                     *         "submit",
                     *         "void",
                     *         "extend"
                     *       ],
                     *       "created_at": "2025-03-02T09:15:27.412+08:00",
                     *       "updated_at": "2025-04-28T16:40:03.118+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["HazardRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: an enterprise the caller cannot see; a `source` the caller may not record; `discovered_on` in the future or after `deadline`; attachments the caller cannot see; an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_hazard: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The hazard's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d
                 */
                hazard_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The hazard. */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
                     *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                     *       "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "sector": "hazardous_chemicals",
                     *       "grade": "major",
                     *       "source": "supervision",
                     *       "title": "储罐区可燃气体报警器失效",
                     *       "description": "2号储罐区可燃气体报警器无响应，未与切断阀联锁",
                     *       "criterion_ref": "化工和危险化学品生产经营单位重大生产安全事故隐患判定标准 第十条",
                     *       "criterion_code": "HGWH-2017-10",
                     *       "location": "2号储罐区",
                     *       "discovered_on": "2025-03-02",
                     *       "status": "rectifying",
                     *       "status_effective_on": "2025-03-05",
                     *       "deadline": "2025-04-30",
                     *       "overdue": false,
                     *       "extensions": 0,
                     *       "plan": {
                     *         "responsible_person": "李明",
                     *         "measures": "更换可燃气体报警器并与紧急切断阀联锁",
                     *         "funds": "12000.00",
                     *         "deadline": "2025-04-30",
                     *         "contingency_plan": "停用储罐区，设置警戒区，专人值守"
                     *       },
                     *       "evidence": null,
                     *       "listed": false,
                     *       "notified_at": "2025-03-02T09:15:27.412+08:00",
                     *       "closed_on": null,
                     *       "inspection_id": null,
                     *       "report_id": null,
                     *       "allowed_actions": [
                     *         "submit",
                     *         "void",
                     *         "extend"
                     *       ],
                     *       "created_at": "2025-03-02T09:15:27.412+08:00",
                     *       "updated_at": "2025-04-28T16:40:03.118+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["HazardRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    update_hazard: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description The `ETag` of the representation the change is based on, as the server sent it (`"3"`), or a list of them; `*` for any. Anything that names no current representation — a stale ETag, or text that is no entity tag at all — answers 412 with the current ETag (RFC 9110: the precondition is evaluated before the content). Without it the change applies to whatever is current.
                 * @example "3"
                 */
                "If-Match"?: string;
            };
            path: {
                /**
                 * @description The hazard's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d
                 */
                hazard_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "description": "2号储罐区报警器无响应，已联系厂家",
                 *       "location": "2号储罐区东侧"
                 *     }
                 */
                "application/json": components["schemas"]["HazardUpdate"];
            };
        };
        responses: {
            /** @description The hazard as changed. */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
                     *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                     *       "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "sector": "hazardous_chemicals",
                     *       "grade": "major",
                     *       "source": "supervision",
                     *       "title": "储罐区可燃气体报警器失效",
                     *       "description": "2号储罐区可燃气体报警器无响应，未与切断阀联锁",
                     *       "criterion_ref": "化工和危险化学品生产经营单位重大生产安全事故隐患判定标准 第十条",
                     *       "criterion_code": "HGWH-2017-10",
                     *       "location": "2号储罐区",
                     *       "discovered_on": "2025-03-02",
                     *       "status": "rectifying",
                     *       "status_effective_on": "2025-03-05",
                     *       "deadline": "2025-04-30",
                     *       "overdue": false,
                     *       "extensions": 0,
                     *       "plan": {
                     *         "responsible_person": "李明",
                     *         "measures": "更换可燃气体报警器并与紧急切断阀联锁",
                     *         "funds": "12000.00",
                     *         "deadline": "2025-04-30",
                     *         "contingency_plan": "停用储罐区，设置警戒区，专人值守"
                     *       },
                     *       "evidence": null,
                     *       "listed": false,
                     *       "notified_at": "2025-03-02T09:15:27.412+08:00",
                     *       "closed_on": null,
                     *       "inspection_id": null,
                     *       "report_id": null,
                     *       "allowed_actions": [
                     *         "submit",
                     *         "void",
                     *         "extend"
                     *       ],
                     *       "created_at": "2025-03-02T09:15:27.412+08:00",
                     *       "updated_at": "2025-04-28T16:40:03.118+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["HazardRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description If-Match names a stale version */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    plan_hazard: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
                /**
                 * @description The `ETag` of the representation the change is based on, as the server sent it (`"3"`), or a list of them; `*` for any. Anything that names no current representation — a stale ETag, or text that is no entity tag at all — answers 412 with the current ETag (RFC 9110: the precondition is evaluated before the content). Without it the change applies to whatever is current.
                 * @example "3"
                 */
                "If-Match"?: string;
            };
            path: {
                /**
                 * @description The hazard's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d
                 */
                hazard_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "responsible_person": "李明",
                 *       "measures": "加装泄爆片，更换除尘器",
                 *       "funds": "85000.00",
                 *       "deadline": "2025-05-31",
                 *       "contingency_plan": "停用除尘系统，设置警戒区"
                 *     }
                 */
                "application/json": components["schemas"]["PlanRequest"];
            };
        };
        responses: {
            /** @description The hazard, now `rectifying`, with its plan. */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
                     *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                     *       "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "sector": "hazardous_chemicals",
                     *       "grade": "major",
                     *       "source": "supervision",
                     *       "title": "储罐区可燃气体报警器失效",
                     *       "description": "2号储罐区可燃气体报警器无响应，未与切断阀联锁",
                     *       "criterion_ref": "化工和危险化学品生产经营单位重大生产安全事故隐患判定标准 第十条",
                     *       "criterion_code": "HGWH-2017-10",
                     *       "location": "2号储罐区",
                     *       "discovered_on": "2025-03-02",
                     *       "status": "rectifying",
                     *       "status_effective_on": "2025-03-05",
                     *       "deadline": "2025-04-30",
                     *       "overdue": false,
                     *       "extensions": 0,
                     *       "plan": {
                     *         "responsible_person": "李明",
                     *         "measures": "更换可燃气体报警器并与紧急切断阀联锁",
                     *         "funds": "12000.00",
                     *         "deadline": "2025-04-30",
                     *         "contingency_plan": "停用储罐区，设置警戒区，专人值守"
                     *       },
                     *       "evidence": null,
                     *       "listed": false,
                     *       "notified_at": "2025-03-02T09:15:27.412+08:00",
                     *       "closed_on": null,
                     *       "inspection_id": null,
                     *       "report_id": null,
                     *       "allowed_actions": [
                     *         "submit",
                     *         "void",
                     *         "extend"
                     *       ],
                     *       "created_at": "2025-03-02T09:15:27.412+08:00",
                     *       "updated_at": "2025-04-28T16:40:03.118+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["HazardRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description If-Match names a stale version */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: a plan without the five elements of a major hazard, or without the responsible person and deadline of a general one (H3); a deadline before `effective_on`; attachments the caller cannot see; `effective_on` in the future or before the previous step (H7); an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    submit_hazard: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
                /**
                 * @description The `ETag` of the representation the change is based on, as the server sent it (`"3"`), or a list of them; `*` for any. Anything that names no current representation — a stale ETag, or text that is no entity tag at all — answers 412 with the current ETag (RFC 9110: the precondition is evaluated before the content). Without it the change applies to whatever is current.
                 * @example "3"
                 */
                "If-Match"?: string;
            };
            path: {
                /**
                 * @description The hazard's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d
                 */
                hazard_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "evidence": "已更换报警器并完成联锁调试，附验收照片",
                 *       "attachment_ids": [
                 *         "0193a5c1-6c0d-7e1f-8a2b-3c4d5e6f7a89"
                 *       ],
                 *       "effective_on": "2025-04-28"
                 *     }
                 */
                "application/json": components["schemas"]["SubmitRequest"];
            };
        };
        responses: {
            /** @description The hazard, now `pending_review`. */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
                     *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                     *       "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "sector": "hazardous_chemicals",
                     *       "grade": "major",
                     *       "source": "supervision",
                     *       "title": "储罐区可燃气体报警器失效",
                     *       "description": "2号储罐区可燃气体报警器无响应，未与切断阀联锁",
                     *       "criterion_ref": "化工和危险化学品生产经营单位重大生产安全事故隐患判定标准 第十条",
                     *       "criterion_code": "HGWH-2017-10",
                     *       "location": "2号储罐区",
                     *       "discovered_on": "2025-03-02",
                     *       "status": "rectifying",
                     *       "status_effective_on": "2025-03-05",
                     *       "deadline": "2025-04-30",
                     *       "overdue": false,
                     *       "extensions": 0,
                     *       "plan": {
                     *         "responsible_person": "李明",
                     *         "measures": "更换可燃气体报警器并与紧急切断阀联锁",
                     *         "funds": "12000.00",
                     *         "deadline": "2025-04-30",
                     *         "contingency_plan": "停用储罐区，设置警戒区，专人值守"
                     *       },
                     *       "evidence": null,
                     *       "listed": false,
                     *       "notified_at": "2025-03-02T09:15:27.412+08:00",
                     *       "closed_on": null,
                     *       "inspection_id": null,
                     *       "report_id": null,
                     *       "allowed_actions": [
                     *         "submit",
                     *         "void",
                     *         "extend"
                     *       ],
                     *       "created_at": "2025-03-02T09:15:27.412+08:00",
                     *       "updated_at": "2025-04-28T16:40:03.118+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["HazardRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description If-Match names a stale version */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: neither evidence nor attachments (H4); attachments the caller cannot see; `effective_on` in the future or before the previous step (H7); an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    review_hazard: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
                /**
                 * @description The `ETag` of the representation the change is based on, as the server sent it (`"3"`), or a list of them; `*` for any. Anything that names no current representation — a stale ETag, or text that is no entity tag at all — answers 412 with the current ETag (RFC 9110: the precondition is evaluated before the content). Without it the change applies to whatever is current.
                 * @example "3"
                 */
                "If-Match"?: string;
            };
            path: {
                /**
                 * @description The hazard's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d
                 */
                hazard_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "decision": "approve",
                 *       "comment": "现场复核合格，同意销号",
                 *       "effective_on": "2025-04-29"
                 *     }
                 */
                "application/json": components["schemas"]["ReviewRequest"];
            };
        };
        responses: {
            /** @description The hazard, `closed` (approved) or back in `rectifying` (rejected). */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
                     *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                     *       "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "sector": "hazardous_chemicals",
                     *       "grade": "major",
                     *       "source": "supervision",
                     *       "title": "储罐区可燃气体报警器失效",
                     *       "description": "2号储罐区可燃气体报警器无响应，未与切断阀联锁",
                     *       "criterion_ref": "化工和危险化学品生产经营单位重大生产安全事故隐患判定标准 第十条",
                     *       "criterion_code": "HGWH-2017-10",
                     *       "location": "2号储罐区",
                     *       "discovered_on": "2025-03-02",
                     *       "status": "rectifying",
                     *       "status_effective_on": "2025-03-05",
                     *       "deadline": "2025-04-30",
                     *       "overdue": false,
                     *       "extensions": 0,
                     *       "plan": {
                     *         "responsible_person": "李明",
                     *         "measures": "更换可燃气体报警器并与紧急切断阀联锁",
                     *         "funds": "12000.00",
                     *         "deadline": "2025-04-30",
                     *         "contingency_plan": "停用储罐区，设置警戒区，专人值守"
                     *       },
                     *       "evidence": null,
                     *       "listed": false,
                     *       "notified_at": "2025-03-02T09:15:27.412+08:00",
                     *       "closed_on": null,
                     *       "inspection_id": null,
                     *       "report_id": null,
                     *       "allowed_actions": [
                     *         "submit",
                     *         "void",
                     *         "extend"
                     *       ],
                     *       "created_at": "2025-03-02T09:15:27.412+08:00",
                     *       "updated_at": "2025-04-28T16:40:03.118+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["HazardRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description If-Match names a stale version */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: a rejection without a comment; `effective_on` in the future or before the previous step (H7); an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    reopen_hazard: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
                /**
                 * @description The `ETag` of the representation the change is based on, as the server sent it (`"3"`), or a list of them; `*` for any. Anything that names no current representation — a stale ETag, or text that is no entity tag at all — answers 412 with the current ETag (RFC 9110: the precondition is evaluated before the content). Without it the change applies to whatever is current.
                 * @example "3"
                 */
                "If-Match"?: string;
            };
            path: {
                /**
                 * @description The hazard's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d
                 */
                hazard_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "reason": "复查发现报警器再次失效",
                 *       "effective_on": "2025-05-20"
                 *     }
                 */
                "application/json": components["schemas"]["ReasonRequest"];
            };
        };
        responses: {
            /** @description The hazard, `rectifying` again. */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
                     *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                     *       "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "sector": "hazardous_chemicals",
                     *       "grade": "major",
                     *       "source": "supervision",
                     *       "title": "储罐区可燃气体报警器失效",
                     *       "description": "2号储罐区可燃气体报警器无响应，未与切断阀联锁",
                     *       "criterion_ref": "化工和危险化学品生产经营单位重大生产安全事故隐患判定标准 第十条",
                     *       "criterion_code": "HGWH-2017-10",
                     *       "location": "2号储罐区",
                     *       "discovered_on": "2025-03-02",
                     *       "status": "rectifying",
                     *       "status_effective_on": "2025-03-05",
                     *       "deadline": "2025-04-30",
                     *       "overdue": false,
                     *       "extensions": 0,
                     *       "plan": {
                     *         "responsible_person": "李明",
                     *         "measures": "更换可燃气体报警器并与紧急切断阀联锁",
                     *         "funds": "12000.00",
                     *         "deadline": "2025-04-30",
                     *         "contingency_plan": "停用储罐区，设置警戒区，专人值守"
                     *       },
                     *       "evidence": null,
                     *       "listed": false,
                     *       "notified_at": "2025-03-02T09:15:27.412+08:00",
                     *       "closed_on": null,
                     *       "inspection_id": null,
                     *       "report_id": null,
                     *       "allowed_actions": [
                     *         "submit",
                     *         "void",
                     *         "extend"
                     *       ],
                     *       "created_at": "2025-03-02T09:15:27.412+08:00",
                     *       "updated_at": "2025-04-28T16:40:03.118+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["HazardRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description If-Match names a stale version */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: `effective_on` in the future or before the previous step (H7); an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    void_hazard: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
                /**
                 * @description The `ETag` of the representation the change is based on, as the server sent it (`"3"`), or a list of them; `*` for any. Anything that names no current representation — a stale ETag, or text that is no entity tag at all — answers 412 with the current ETag (RFC 9110: the precondition is evaluated before the content). Without it the change applies to whatever is current.
                 * @example "3"
                 */
                "If-Match"?: string;
            };
            path: {
                /**
                 * @description The hazard's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d
                 */
                hazard_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "reason": "复查发现报警器再次失效",
                 *       "effective_on": "2025-05-20"
                 *     }
                 */
                "application/json": components["schemas"]["ReasonRequest"];
            };
        };
        responses: {
            /** @description The hazard, now `void`. */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
                     *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                     *       "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "sector": "hazardous_chemicals",
                     *       "grade": "major",
                     *       "source": "supervision",
                     *       "title": "储罐区可燃气体报警器失效",
                     *       "description": "2号储罐区可燃气体报警器无响应，未与切断阀联锁",
                     *       "criterion_ref": "化工和危险化学品生产经营单位重大生产安全事故隐患判定标准 第十条",
                     *       "criterion_code": "HGWH-2017-10",
                     *       "location": "2号储罐区",
                     *       "discovered_on": "2025-03-02",
                     *       "status": "rectifying",
                     *       "status_effective_on": "2025-03-05",
                     *       "deadline": "2025-04-30",
                     *       "overdue": false,
                     *       "extensions": 0,
                     *       "plan": {
                     *         "responsible_person": "李明",
                     *         "measures": "更换可燃气体报警器并与紧急切断阀联锁",
                     *         "funds": "12000.00",
                     *         "deadline": "2025-04-30",
                     *         "contingency_plan": "停用储罐区，设置警戒区，专人值守"
                     *       },
                     *       "evidence": null,
                     *       "listed": false,
                     *       "notified_at": "2025-03-02T09:15:27.412+08:00",
                     *       "closed_on": null,
                     *       "inspection_id": null,
                     *       "report_id": null,
                     *       "allowed_actions": [
                     *         "submit",
                     *         "void",
                     *         "extend"
                     *       ],
                     *       "created_at": "2025-03-02T09:15:27.412+08:00",
                     *       "updated_at": "2025-04-28T16:40:03.118+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["HazardRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description If-Match names a stale version */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: `effective_on` in the future or before the previous step (H7); an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    extend_hazard_deadline: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
                /**
                 * @description The `ETag` of the representation the change is based on, as the server sent it (`"3"`), or a list of them; `*` for any. Anything that names no current representation — a stale ETag, or text that is no entity tag at all — answers 412 with the current ETag (RFC 9110: the precondition is evaluated before the content). Without it the change applies to whatever is current.
                 * @example "3"
                 */
                "If-Match"?: string;
            };
            path: {
                /**
                 * @description The hazard's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d
                 */
                hazard_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "deadline": "2025-05-31",
                 *       "reason": "报警器备件到货延迟",
                 *       "effective_on": "2025-04-25"
                 *     }
                 */
                "application/json": components["schemas"]["ExtendRequest"];
            };
        };
        responses: {
            /** @description The hazard with its new deadline and one more extension. */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
                     *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                     *       "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "sector": "hazardous_chemicals",
                     *       "grade": "major",
                     *       "source": "supervision",
                     *       "title": "储罐区可燃气体报警器失效",
                     *       "description": "2号储罐区可燃气体报警器无响应，未与切断阀联锁",
                     *       "criterion_ref": "化工和危险化学品生产经营单位重大生产安全事故隐患判定标准 第十条",
                     *       "criterion_code": "HGWH-2017-10",
                     *       "location": "2号储罐区",
                     *       "discovered_on": "2025-03-02",
                     *       "status": "rectifying",
                     *       "status_effective_on": "2025-03-05",
                     *       "deadline": "2025-04-30",
                     *       "overdue": false,
                     *       "extensions": 0,
                     *       "plan": {
                     *         "responsible_person": "李明",
                     *         "measures": "更换可燃气体报警器并与紧急切断阀联锁",
                     *         "funds": "12000.00",
                     *         "deadline": "2025-04-30",
                     *         "contingency_plan": "停用储罐区，设置警戒区，专人值守"
                     *       },
                     *       "evidence": null,
                     *       "listed": false,
                     *       "notified_at": "2025-03-02T09:15:27.412+08:00",
                     *       "closed_on": null,
                     *       "inspection_id": null,
                     *       "report_id": null,
                     *       "allowed_actions": [
                     *         "submit",
                     *         "void",
                     *         "extend"
                     *       ],
                     *       "created_at": "2025-03-02T09:15:27.412+08:00",
                     *       "updated_at": "2025-04-28T16:40:03.118+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["HazardRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description If-Match names a stale version */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: a deadline not after the current one (H6); `effective_on` in the future or before the previous step (H7); an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_hazard_history: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The hazard's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d
                 */
                hazard_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The hazard's history, oldest first. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "items": [
                     *         {
                     *           "id": 1201,
                     *           "at": "2025-03-02T09:15:27.412+08:00",
                     *           "effective_on": "2025-03-02",
                     *           "actor_id": "0193a5c0-0b01-7000-8000-00000000b001",
                     *           "actor_role": "street_admin",
                     *           "action": "create",
                     *           "from_status": null,
                     *           "to_status": "reported",
                     *           "comment": null,
                     *           "deadline": null
                     *         },
                     *         {
                     *           "id": 1207,
                     *           "at": "2025-03-05T10:02:11.031+08:00",
                     *           "effective_on": "2025-03-05",
                     *           "actor_id": "0193a5c0-0b01-7000-8000-00000000b001",
                     *           "actor_role": "street_admin",
                     *           "action": "plan",
                     *           "from_status": "reported",
                     *           "to_status": "rectifying",
                     *           "comment": "按五要素制定整改方案",
                     *           "deadline": "2025-04-30"
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["HistoryList"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_hazard_escalations: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The hazard's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d
                 */
                hazard_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The hazard's escalations. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "items": [
                     *         {
                     *           "id": "0193a5c1-7d1e-7f2a-9b3c-4d5e6f7a8b9a",
                     *           "hazard_id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
                     *           "org_unit_id": null,
                     *           "kind": "letter",
                     *           "note": "整改进度滞后，函告企业主要负责人",
                     *           "effective_on": "2025-04-10",
                     *           "created_by": "0193a5c0-0b01-7000-8000-00000000b001",
                     *           "created_at": "2025-04-10T08:30:00+08:00"
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["EscalationList"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    escalate_hazard: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
                /**
                 * @description The `ETag` of the representation the change is based on, as the server sent it (`"3"`), or a list of them; `*` for any. Anything that names no current representation — a stale ETag, or text that is no entity tag at all — answers 412 with the current ETag (RFC 9110: the precondition is evaluated before the content). Without it the change applies to whatever is current.
                 * @example "3"
                 */
                "If-Match"?: string;
            };
            path: {
                /**
                 * @description The hazard's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d
                 */
                hazard_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "kind": "letter",
                 *       "note": "整改进度滞后，函告企业主要负责人",
                 *       "effective_on": "2025-04-10"
                 *     }
                 */
                "application/json": components["schemas"]["EscalationCreate"];
            };
        };
        responses: {
            /** @description The escalation recorded; `Location` is the hazard's list of escalations. */
            201: {
                headers: {
                    Location: components["headers"]["Location"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c1-7d1e-7f2a-9b3c-4d5e6f7a8b9a",
                     *       "hazard_id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
                     *       "org_unit_id": null,
                     *       "kind": "letter",
                     *       "note": "整改进度滞后，函告企业主要负责人",
                     *       "effective_on": "2025-04-10",
                     *       "created_by": "0193a5c0-0b01-7000-8000-00000000b001",
                     *       "created_at": "2025-04-10T08:30:00+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["EscalationRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description If-Match names a stale version */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: `effective_on` in the future or before the previous step (H7); an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    set_hazard_listing: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
                /**
                 * @description The `ETag` of the representation the change is based on, as the server sent it (`"3"`), or a list of them; `*` for any. Anything that names no current representation — a stale ETag, or text that is no entity tag at all — answers 412 with the current ETag (RFC 9110: the precondition is evaluated before the content). Without it the change applies to whatever is current.
                 * @example "3"
                 */
                "If-Match"?: string;
            };
            path: {
                /**
                 * @description The hazard's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d
                 */
                hazard_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "listed": true,
                 *       "comment": "重大隐患挂牌督办",
                 *       "effective_on": "2025-04-12"
                 *     }
                 */
                "application/json": components["schemas"]["ListingRequest"];
            };
        };
        responses: {
            /** @description The hazard, listed or delisted. */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
                     *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                     *       "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "sector": "hazardous_chemicals",
                     *       "grade": "major",
                     *       "source": "supervision",
                     *       "title": "储罐区可燃气体报警器失效",
                     *       "description": "2号储罐区可燃气体报警器无响应，未与切断阀联锁",
                     *       "criterion_ref": "化工和危险化学品生产经营单位重大生产安全事故隐患判定标准 第十条",
                     *       "criterion_code": "HGWH-2017-10",
                     *       "location": "2号储罐区",
                     *       "discovered_on": "2025-03-02",
                     *       "status": "rectifying",
                     *       "status_effective_on": "2025-03-05",
                     *       "deadline": "2025-04-30",
                     *       "overdue": false,
                     *       "extensions": 0,
                     *       "plan": {
                     *         "responsible_person": "李明",
                     *         "measures": "更换可燃气体报警器并与紧急切断阀联锁",
                     *         "funds": "12000.00",
                     *         "deadline": "2025-04-30",
                     *         "contingency_plan": "停用储罐区，设置警戒区，专人值守"
                     *       },
                     *       "evidence": null,
                     *       "listed": false,
                     *       "notified_at": "2025-03-02T09:15:27.412+08:00",
                     *       "closed_on": null,
                     *       "inspection_id": null,
                     *       "report_id": null,
                     *       "allowed_actions": [
                     *         "submit",
                     *         "void",
                     *         "extend"
                     *       ],
                     *       "created_at": "2025-03-02T09:15:27.412+08:00",
                     *       "updated_at": "2025-04-28T16:40:03.118+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["HazardRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description If-Match names a stale version */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: `effective_on` in the future or before the previous step (H7); an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_inspections: {
        parameters: {
            query?: {
                /**
                 * @description Only those of this enterprise.
                 * @example 0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12
                 */
                enterprise_id?: string;
                /**
                 * @description Only those of this village (an org unit of kind `village`).
                 * @example 0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01
                 */
                village_id?: string;
                /**
                 * @description Only inspections of this kind.
                 * @example principal_self
                 */
                kind?: components["schemas"]["InspectionKind"];
                /**
                 * @description Only those performed on or after this date.
                 * @example 2025-01-01
                 */
                performed_from?: string;
                /**
                 * @description Only those performed on or before this date.
                 * @example 2025-06-30
                 */
                performed_to?: string;
                /**
                 * @description Page size, 1–200.
                 * @example 50
                 */
                limit?: number;
                /**
                 * @description Opaque token: `next_cursor` of the previous page, passed back unchanged (22 characters, base64url). Leave it out for the first page.
                 * @example AZO0z3Qge7Wd9Dpz3k6Ovg
                 */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of inspections, newest first. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "items": [
                     *         {
                     *           "id": "0193a5c1-0c4d-7e5f-8a6b-7c8d9e0f1a23",
                     *           "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                     *           "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *           "sector": "hazardous_chemicals",
                     *           "kind": "principal_self",
                     *           "performed_on": "2025-04-08",
                     *           "led_by_principal": true,
                     *           "inspector": "王强",
                     *           "notes": "季度主要负责人带队检查",
                     *           "findings_count": 1,
                     *           "hazard_ids": [
                     *             "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d"
                     *           ],
                     *           "checklist_id": null,
                     *           "item_results": [],
                     *           "created_at": "2025-04-08T15:20:44.905+08:00"
                     *         }
                     *       ],
                     *       "next_cursor": null
                     *     }
                     */
                    "application/json": components["schemas"]["InspectionPage"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    create_inspection: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                 *       "kind": "principal_self",
                 *       "performed_on": "2025-04-08",
                 *       "led_by_principal": true,
                 *       "inspector": "王强",
                 *       "findings": [
                 *         {
                 *           "grade": "general",
                 *           "title": "灭火器压力不足",
                 *           "deadline": "2025-04-15"
                 *         },
                 *         {
                 *           "grade": "major",
                 *           "title": "有限空间作业未审批",
                 *           "criterion_ref": "工贸重大隐患判定标准 第六条"
                 *         }
                 *       ]
                 *     }
                 */
                "application/json": components["schemas"]["InspectionCreate"];
            };
        };
        responses: {
            /** @description The inspection as recorded, with the ids of the hazards its findings became. */
            201: {
                headers: {
                    Location: components["headers"]["Location"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c1-0c4d-7e5f-8a6b-7c8d9e0f1a23",
                     *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                     *       "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "sector": "hazardous_chemicals",
                     *       "kind": "principal_self",
                     *       "performed_on": "2025-04-08",
                     *       "led_by_principal": true,
                     *       "inspector": "王强",
                     *       "notes": "季度主要负责人带队检查",
                     *       "findings_count": 1,
                     *       "hazard_ids": [
                     *         "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d"
                     *       ],
                     *       "checklist_id": null,
                     *       "item_results": [],
                     *       "created_at": "2025-04-08T15:20:44.905+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["InspectionRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: an enterprise the caller cannot see; a kind the caller may not record; `performed_on` in the future; a finding's deadline before `performed_on`; attachments the caller cannot see; an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_inspection: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The inspection's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c1-0c4d-7e5f-8a6b-7c8d9e0f1a23
                 */
                inspection_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The inspection. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c1-0c4d-7e5f-8a6b-7c8d9e0f1a23",
                     *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                     *       "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "sector": "hazardous_chemicals",
                     *       "kind": "principal_self",
                     *       "performed_on": "2025-04-08",
                     *       "led_by_principal": true,
                     *       "inspector": "王强",
                     *       "notes": "季度主要负责人带队检查",
                     *       "findings_count": 1,
                     *       "hazard_ids": [
                     *         "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d"
                     *       ],
                     *       "checklist_id": null,
                     *       "item_results": [],
                     *       "created_at": "2025-04-08T15:20:44.905+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["InspectionRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_events: {
        parameters: {
            query?: {
                /**
                 * @description The last event id seen (`next_cursor` of the previous page); leave it out, or send 0, to read from the start. A number, as the ids are; the digits that earlier versions sent as a string read the same.
                 * @example 1024
                 */
                after?: number;
                /**
                 * @description Only events of this type (see above).
                 * @example hazard.status_changed
                 */
                type?: string;
                /**
                 * @description Page size, 1–200.
                 * @example 50
                 */
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Up to `limit` events after `after`, oldest first. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "items": [
                     *         {
                     *           "id": 1025,
                     *           "type": "hazard.status_changed",
                     *           "at": "2025-03-05T10:02:11.031+08:00",
                     *           "resource": "hazard",
                     *           "resource_id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
                     *           "data": {
                     *             "from": "reported",
                     *             "to": "rectifying",
                     *             "action": "plan"
                     *           }
                     *         }
                     *       ],
                     *       "next_cursor": 1025
                     *     }
                     */
                    "application/json": components["schemas"]["EventPage"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    upload_attachment: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "multipart/form-data": components["schemas"]["EvidenceUpload"];
            };
        };
        responses: {
            /** @description The file's metadata; `Location` is its download. */
            201: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    Location: components["headers"]["Location"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c1-6c0d-7e1f-8a2b-3c4d5e6f7a89",
                     *       "sha256": "3b7f0b1c9d2e4a5f6b8c7d9e0a1b2c3d4e5f60718293a4b5c6d7e8f9012a3b4c",
                     *       "content_type": "image/jpeg",
                     *       "size": 482113,
                     *       "filename": "储罐区报警器更换后.jpg",
                     *       "created_at": "2025-04-28T16:35:51+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["AttachmentRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    download_attachment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The attachment's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c1-6c0d-7e1f-8a2b-3c4d5e6f7a89
                 */
                attachment_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The file, with the content type detected on upload. */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    /** @description `attachment` with the uploaded file's name. */
                    "Content-Disposition": string;
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    "image/jpeg": Blob;
                    "image/png": Blob;
                    "application/pdf": Blob;
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_attachment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The attachment's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c1-6c0d-7e1f-8a2b-3c4d5e6f7a89
                 */
                attachment_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The file's metadata. */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c1-6c0d-7e1f-8a2b-3c4d5e6f7a89",
                     *       "sha256": "3b7f0b1c9d2e4a5f6b8c7d9e0a1b2c3d4e5f60718293a4b5c6d7e8f9012a3b4c",
                     *       "content_type": "image/jpeg",
                     *       "size": 482113,
                     *       "filename": "储罐区报警器更换后.jpg",
                     *       "created_at": "2025-04-28T16:35:51+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["AttachmentRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    submit_public_report: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "description": "某厂房内堆放大量油漆桶，消防通道被堵塞",
                 *       "location": "工业园区三路12号",
                 *       "enterprise_name": "某某家具厂",
                 *       "contact": {
                 *         "name": "张先生",
                 *         "phone": "13800138000"
                 *       }
                 *     }
                 */
                "application/json": components["schemas"]["PublicReportCreate"];
            };
        };
        responses: {
            /** @description The receipt: keep the tracking code, it is shown only this once. */
            201: {
                headers: {
                    Location: components["headers"]["Location"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "tracking_code": "q3Hk9Wc2TzR8vYbN1pLxEu7s",
                     *       "status": "received",
                     *       "received_at": "2025-06-03T20:41:09+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["PublicReportReceipt"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: a village that does not exist; an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests; see Retry-After */
            429: {
                headers: {
                    "Retry-After": components["headers"]["RetryAfter"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_public_report_status: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The `tracking_code` of the receipt, as it was returned (base64url).
                 * @example q3Hk9Wc2TzR8vYbN1pLxEu7s
                 */
                tracking_code: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The report's status. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "substantiated",
                     *       "received_at": "2025-06-03T20:41:09+08:00",
                     *       "verified_at": "2025-06-05T10:30:00+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["PublicReportStatus"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_reports: {
        parameters: {
            query?: {
                /**
                 * @description Only reports in this status.
                 * @example received
                 */
                status?: components["schemas"]["ReportStatus"];
                /**
                 * @description Only those of this village (an org unit of kind `village`).
                 * @example 0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01
                 */
                village_id?: string;
                /**
                 * @description Page size, 1–200.
                 * @example 50
                 */
                limit?: number;
                /**
                 * @description Opaque token: `next_cursor` of the previous page, passed back unchanged (22 characters, base64url). Leave it out for the first page.
                 * @example AZO0z3Qge7Wd9Dpz3k6Ovg
                 */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of reports, newest first. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "items": [
                     *         {
                     *           "id": "0193a5c1-5b9c-7d0e-9f1a-2b3c4d5e6f78",
                     *           "status": "substantiated",
                     *           "description": "某厂房内堆放大量油漆桶，消防通道被堵塞",
                     *           "location": "东湖村工业园区三路12号",
                     *           "enterprise_name": "某某家具厂",
                     *           "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *           "contact": null,
                     *           "received_at": "2025-06-03T20:41:09+08:00",
                     *           "verified_at": "2025-06-05T10:30:00+08:00",
                     *           "verified_by": "0193a5c0-0b05-7000-8000-00000000b005",
                     *           "verification_note": "现场核查属实，消防通道堵塞",
                     *           "hazard_id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
                     *           "reward_eligible": true
                     *         }
                     *       ],
                     *       "next_cursor": null
                     *     }
                     */
                    "application/json": components["schemas"]["ReportPage"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_report: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The report's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c1-5b9c-7d0e-9f1a-2b3c4d5e6f78
                 */
                report_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The report. */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c1-5b9c-7d0e-9f1a-2b3c4d5e6f78",
                     *       "status": "substantiated",
                     *       "description": "某厂房内堆放大量油漆桶，消防通道被堵塞",
                     *       "location": "东湖村工业园区三路12号",
                     *       "enterprise_name": "某某家具厂",
                     *       "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "contact": null,
                     *       "received_at": "2025-06-03T20:41:09+08:00",
                     *       "verified_at": "2025-06-05T10:30:00+08:00",
                     *       "verified_by": "0193a5c0-0b05-7000-8000-00000000b005",
                     *       "verification_note": "现场核查属实，消防通道堵塞",
                     *       "hazard_id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
                     *       "reward_eligible": true
                     *     }
                     */
                    "application/json": components["schemas"]["ReportRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    verify_report: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description The `ETag` of the representation the change is based on, as the server sent it (`"3"`), or a list of them; `*` for any. Anything that names no current representation — a stale ETag, or text that is no entity tag at all — answers 412 with the current ETag (RFC 9110: the precondition is evaluated before the content). Without it the change applies to whatever is current.
                 * @example "3"
                 */
                "If-Match"?: string;
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
            };
            path: {
                /**
                 * @description The report's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c1-5b9c-7d0e-9f1a-2b3c4d5e6f78
                 */
                report_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "outcome": "substantiated",
                 *       "note": "现场核查属实，消防通道堵塞",
                 *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                 *       "grade": "general",
                 *       "title": "消防通道堵塞",
                 *       "deadline": "2025-07-15"
                 *     }
                 */
                "application/json": components["schemas"]["VerifyRequest"];
            };
        };
        responses: {
            /** @description The report as verified; a substantiated one names the hazard it became. */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c1-5b9c-7d0e-9f1a-2b3c4d5e6f78",
                     *       "status": "substantiated",
                     *       "description": "某厂房内堆放大量油漆桶，消防通道被堵塞",
                     *       "location": "东湖村工业园区三路12号",
                     *       "enterprise_name": "某某家具厂",
                     *       "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "contact": null,
                     *       "received_at": "2025-06-03T20:41:09+08:00",
                     *       "verified_at": "2025-06-05T10:30:00+08:00",
                     *       "verified_by": "0193a5c0-0b05-7000-8000-00000000b005",
                     *       "verification_note": "现场核查属实，消防通道堵塞",
                     *       "hazard_id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
                     *       "reward_eligible": true
                     *     }
                     */
                    "application/json": components["schemas"]["ReportRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description If-Match names a stale version */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: a substantiated outcome without its hazard's enterprise, grade and title, or hazard fields with an unsubstantiated one; an enterprise the caller cannot see; an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_compliance: {
        parameters: {
            query?: {
                /**
                 * @description Only those of this village (an org unit of kind `village`).
                 * @example 0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01
                 */
                village_id?: string;
                /**
                 * @description Only those of this sector: a code from `GET /api/v1/sectors`.
                 * @example hazardous_chemicals
                 */
                sector?: string;
                /**
                 * @description `due`: a current period not yet done; `missed`: missed periods; `done`: all done.
                 * @example missed
                 */
                status?: components["schemas"]["ComplianceFilter"];
                /**
                 * @description Narrow `status` to one obligation.
                 * @example principal_inspection
                 */
                obligation?: components["schemas"]["Obligation"];
                /**
                 * @description Page size, 1–200.
                 * @example 50
                 */
                limit?: number;
                /**
                 * @description Opaque token: `next_cursor` of the previous page, passed back unchanged (22 characters, base64url). Leave it out for the first page.
                 * @example AZO0z3Qge7Wd9Dpz3k6Ovg
                 */
                cursor?: string;
                /**
                 * @description The business date the figures are for (Asia/Shanghai), default today; a past date gives what was true then.
                 * @example 2025-06-30
                 */
                as_of?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of enterprises with their C1 and C2 status, and the summary. */
            200: {
                headers: {
                    "Data-Version": components["headers"]["DataVersion"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "as_of": "2025-06-30",
                     *       "summary": {
                     *         "enterprises": 200,
                     *         "principal_inspection": {
                     *           "applicable": 186,
                     *           "done": 141,
                     *           "due": 45,
                     *           "not_applicable": 14,
                     *           "with_missed": 23,
                     *           "missed_periods": 31,
                     *           "rate": 0.758
                     *         },
                     *         "drill": {
                     *           "applicable": 186,
                     *           "done": 120,
                     *           "due": 66,
                     *           "not_applicable": 14,
                     *           "with_missed": 9,
                     *           "missed_periods": 9,
                     *           "rate": 0.645
                     *         }
                     *       },
                     *       "items": [
                     *         {
                     *           "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                     *           "name": "【演示】东湖化工005有限公司",
                     *           "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *           "sector": "hazardous_chemicals",
                     *           "high_risk": true,
                     *           "status": "active",
                     *           "principal_inspection": {
                     *             "period": "2025-06",
                     *             "status": "due",
                     *             "missed_periods": 1
                     *           },
                     *           "drill": {
                     *             "period": "2025-H1",
                     *             "status": "done",
                     *             "missed_periods": 0
                     *           }
                     *         }
                     *       ],
                     *       "next_cursor": "AZOlwCs8fU6fWmt8jZ4PEg"
                     *     }
                     */
                    "application/json": components["schemas"]["CompliancePage"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_supervision_compliance: {
        parameters: {
            query?: {
                /**
                 * @description Only villages, or only departments.
                 * @example village
                 */
                kind?: components["schemas"]["SupervisedKind"];
                /**
                 * @description The business date the figures are for (Asia/Shanghai), default today; a past date gives what was true then.
                 * @example 2025-06-30
                 */
                as_of?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Each unit's C3 status in the current half-year, and the summary. */
            200: {
                headers: {
                    "Data-Version": components["headers"]["DataVersion"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "as_of": "2025-06-30",
                     *       "period": "2025-H1",
                     *       "summary": {
                     *         "units": 18,
                     *         "done": 15,
                     *         "due": 3,
                     *         "with_missed": 1,
                     *         "coverage": 0.833
                     *       },
                     *       "items": [
                     *         {
                     *           "org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *           "name": "【演示】东湖村",
                     *           "kind": "village",
                     *           "period": "2025-H1",
                     *           "status": "done",
                     *           "missed_periods": 0,
                     *           "missed": []
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["SupervisionCompliance"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_differentiated_compliance: {
        parameters: {
            query?: {
                /**
                 * @description Only those of this village (an org unit of kind `village`).
                 * @example 0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01
                 */
                village_id?: string;
                /**
                 * @description Only those of this sector: a code from `GET /api/v1/sectors`.
                 * @example hazardous_chemicals
                 */
                sector?: string;
                /**
                 * @description Page size, 1–200.
                 * @example 50
                 */
                limit?: number;
                /**
                 * @description Opaque token: `next_cursor` of the previous page, passed back unchanged (22 characters, base64url). Leave it out for the first page.
                 * @example AZO0z3Qge7Wd9Dpz3k6Ovg
                 */
                cursor?: string;
                /**
                 * @description The business date the figures are for (Asia/Shanghai), default today; a past date gives what was true then.
                 * @example 2025-06-30
                 */
                as_of?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of enterprises with their C5 status. */
            200: {
                headers: {
                    "Data-Version": components["headers"]["DataVersion"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "as_of": "2025-06-30",
                     *       "items": [
                     *         {
                     *           "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                     *           "name": "【演示】东湖化工005有限公司",
                     *           "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *           "sector": "hazardous_chemicals",
                     *           "status": "active",
                     *           "risk_level": "yellow",
                     *           "kind": "half_year",
                     *           "differentiated_inspection": {
                     *             "period": "2025-H2",
                     *             "status": "due",
                     *             "missed_periods": 1,
                     *             "missed": [
                     *               "2025-04"
                     *             ]
                     *           }
                     *         }
                     *       ],
                     *       "next_cursor": null
                     *     }
                     */
                    "application/json": components["schemas"]["DifferentiatedPage"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_training_compliance: {
        parameters: {
            query: {
                /**
                 * @description The campaign year, 2024–2026 (each has its focus group).
                 * @example 2025
                 */
                year: number;
                /**
                 * @description Only those of this village (an org unit of kind `village`).
                 * @example 0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01
                 */
                village_id?: string;
                /**
                 * @description Only those of this sector: a code from `GET /api/v1/sectors`.
                 * @example hazardous_chemicals
                 */
                sector?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The year's C4 coverage and the enterprises not yet covered. */
            200: {
                headers: {
                    "Data-Version": components["headers"]["DataVersion"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "year": 2025,
                     *       "focus_tags": [
                     *         "dust_explosion"
                     *       ],
                     *       "trainee_roles": [
                     *         "principal",
                     *         "fire_safety_responsible"
                     *       ],
                     *       "total": 12,
                     *       "covered": 11,
                     *       "rate": 0.917,
                     *       "uncovered": [
                     *         {
                     *           "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                     *           "name": "【演示】东湖化工005有限公司",
                     *           "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *           "sector": "industry_trade"
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["TrainingCompliance"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_targets: {
        parameters: {
            query?: {
                /**
                 * @description Only those of this village (an org unit of kind `village`).
                 * @example 0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01
                 */
                village_id?: string;
                /**
                 * @description Only those of this sector: a code from `GET /api/v1/sectors`.
                 * @example hazardous_chemicals
                 */
                sector?: string;
                /**
                 * @description The business date the figures are for (Asia/Shanghai), default today; a past date gives what was true then.
                 * @example 2025-06-30
                 */
                as_of?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description T1–T3 as they stood on `as_of`. */
            200: {
                headers: {
                    "Data-Version": components["headers"]["DataVersion"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "as_of": "2025-06-30",
                     *       "items": [
                     *         {
                     *           "code": "stock_cleared",
                     *           "year": 2024,
                     *           "status": "met",
                     *           "figures": {
                     *             "stock_total": 42,
                     *             "open_stock": 0,
                     *             "closed_by_deadline": 42,
                     *             "open_at_deadline": 0,
                     *             "overdue_open_stock": 0
                     *           }
                     *         },
                     *         {
                     *           "code": "increment_reduced",
                     *           "year": 2025,
                     *           "status": "on_track",
                     *           "figures": {
                     *             "count_ytd": 17,
                     *             "count_prev_same_dates": 25
                     *           }
                     *         },
                     *         {
                     *           "code": "dynamic_zero",
                     *           "year": 2026,
                     *           "status": "at_risk",
                     *           "figures": {
                     *             "open_major": 2,
                     *             "overdue_open_major": 1,
                     *             "overdue_open_major_at_year_end": 0
                     *           }
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["TargetList"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_hazard_stats: {
        parameters: {
            query: {
                /**
                 * @description What the rows are: one per village, sector, … month, criterion code (K2), or the enterprise's risk level (K4).
                 * @example village
                 */
                group_by: components["schemas"]["StatsGroup"];
                /**
                 * @description Only hazards discovered on or after this date.
                 * @example 2025-01-01
                 */
                from?: string;
                /**
                 * @description Only hazards discovered on or before this date.
                 * @example 2025-06-30
                 */
                to?: string;
                /**
                 * @description Only major, or only general, hazards.
                 * @example major
                 */
                grade?: components["schemas"]["Grade"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One row per group. */
            200: {
                headers: {
                    "Data-Version": components["headers"]["DataVersion"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "group_by": "village",
                     *       "from": "2025-01-01",
                     *       "to": "2025-06-30",
                     *       "items": [
                     *         {
                     *           "key": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *           "label": "【演示】东湖村",
                     *           "total": 38,
                     *           "open": 6,
                     *           "overdue": 1,
                     *           "closed": 30,
                     *           "void": 2,
                     *           "closure_rate": 0.833,
                     *           "median_days_to_close": 21.5
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["HazardStats"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: `from` after `to` */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_dashboard: {
        parameters: {
            query?: {
                /**
                 * @description The business date the figures are for (Asia/Shanghai), default today; a past date gives what was true then.
                 * @example 2025-06-30
                 */
                as_of?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The dashboard's figures on `as_of`. */
            200: {
                headers: {
                    "Data-Version": components["headers"]["DataVersion"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "as_of": "2025-06-30",
                     *       "campaign_phase": "special_rectification",
                     *       "major_hazards": {
                     *         "open": 4,
                     *         "overdue": 1,
                     *         "listed": 2
                     *       },
                     *       "targets": [
                     *         {
                     *           "code": "stock_cleared",
                     *           "year": 2024,
                     *           "status": "met",
                     *           "figures": {
                     *             "stock_total": 42,
                     *             "open_stock": 0,
                     *             "closed_by_deadline": 42,
                     *             "open_at_deadline": 0,
                     *             "overdue_open_stock": 0
                     *           }
                     *         },
                     *         {
                     *           "code": "increment_reduced",
                     *           "year": 2025,
                     *           "status": "on_track",
                     *           "figures": {
                     *             "count_ytd": 17,
                     *             "count_prev_same_dates": 25
                     *           }
                     *         },
                     *         {
                     *           "code": "dynamic_zero",
                     *           "year": 2026,
                     *           "status": "at_risk",
                     *           "figures": {
                     *             "open_major": 2,
                     *             "overdue_open_major": 1,
                     *             "overdue_open_major_at_year_end": 0
                     *           }
                     *         }
                     *       ],
                     *       "compliance": {
                     *         "enterprises": 200,
                     *         "principal_inspection": {
                     *           "applicable": 186,
                     *           "done": 141,
                     *           "due": 45,
                     *           "not_applicable": 14,
                     *           "with_missed": 23,
                     *           "missed_periods": 31,
                     *           "rate": 0.758
                     *         },
                     *         "drill": {
                     *           "applicable": 186,
                     *           "done": 120,
                     *           "due": 66,
                     *           "not_applicable": 14,
                     *           "with_missed": 9,
                     *           "missed_periods": 9,
                     *           "rate": 0.645
                     *         }
                     *       },
                     *       "supervision": {
                     *         "units": 18,
                     *         "done": 15,
                     *         "due": 3,
                     *         "with_missed": 1,
                     *         "coverage": 0.833
                     *       },
                     *       "risk_levels": {
                     *         "red": 3,
                     *         "orange": 12,
                     *         "yellow": 140,
                     *         "blue": 845,
                     *         "overridden": 4
                     *       },
                     *       "by_village": [
                     *         {
                     *           "key": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *           "label": "【演示】东湖村",
                     *           "open_major": 1,
                     *           "overdue_major": 0,
                     *           "principal_inspection_rate": 0.8,
                     *           "drill_rate": 0.65,
                     *           "targets": [
                     *             {
                     *               "code": "stock_cleared",
                     *               "year": 2024,
                     *               "status": "met",
                     *               "figures": {
                     *                 "stock_total": 42,
                     *                 "open_stock": 0,
                     *                 "closed_by_deadline": 42,
                     *                 "open_at_deadline": 0,
                     *                 "overdue_open_stock": 0
                     *               }
                     *             },
                     *             {
                     *               "code": "increment_reduced",
                     *               "year": 2025,
                     *               "status": "on_track",
                     *               "figures": {
                     *                 "count_ytd": 17,
                     *                 "count_prev_same_dates": 25
                     *               }
                     *             },
                     *             {
                     *               "code": "dynamic_zero",
                     *               "year": 2026,
                     *               "status": "at_risk",
                     *               "figures": {
                     *                 "open_major": 2,
                     *                 "overdue_open_major": 1,
                     *                 "overdue_open_major_at_year_end": 0
                     *               }
                     *             }
                     *           ]
                     *         }
                     *       ],
                     *       "by_sector": [
                     *         {
                     *           "key": "hazardous_chemicals",
                     *           "label": "危险化学品",
                     *           "open_major": 1,
                     *           "overdue_major": 0,
                     *           "principal_inspection_rate": 0.8,
                     *           "drill_rate": 0.65,
                     *           "targets": [
                     *             {
                     *               "code": "stock_cleared",
                     *               "year": 2024,
                     *               "status": "met",
                     *               "figures": {
                     *                 "stock_total": 42,
                     *                 "open_stock": 0,
                     *                 "closed_by_deadline": 42,
                     *                 "open_at_deadline": 0,
                     *                 "overdue_open_stock": 0
                     *               }
                     *             },
                     *             {
                     *               "code": "increment_reduced",
                     *               "year": 2025,
                     *               "status": "on_track",
                     *               "figures": {
                     *                 "count_ytd": 17,
                     *                 "count_prev_same_dates": 25
                     *               }
                     *             },
                     *             {
                     *               "code": "dynamic_zero",
                     *               "year": 2026,
                     *               "status": "at_risk",
                     *               "figures": {
                     *                 "open_major": 2,
                     *                 "overdue_open_major": 1,
                     *                 "overdue_open_major_at_year_end": 0
                     *               }
                     *             }
                     *           ]
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["Dashboard"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_campaign: {
        parameters: {
            query?: {
                /**
                 * @description The business date the figures are for (Asia/Shanghai), default today; a past date gives what was true then.
                 * @example 2025-06-30
                 */
                as_of?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The four phases and the current one. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "as_of": "2025-06-30",
                     *       "current_phase": "special_rectification",
                     *       "phases": [
                     *         {
                     *           "code": "mobilization",
                     *           "name": "动员部署阶段",
                     *           "starts_on": "2024-02-01",
                     *           "ends_on": "2024-04-30",
                     *           "status": "past"
                     *         },
                     *         {
                     *           "code": "special_rectification",
                     *           "name": "专项治理阶段",
                     *           "starts_on": "2024-05-01",
                     *           "ends_on": "2025-12-31",
                     *           "status": "current"
                     *         },
                     *         {
                     *           "code": "consolidation",
                     *           "name": "巩固提升阶段",
                     *           "starts_on": "2026-01-01",
                     *           "ends_on": "2026-09-30",
                     *           "status": "upcoming"
                     *         },
                     *         {
                     *           "code": "evaluation",
                     *           "name": "总结评估阶段",
                     *           "starts_on": "2026-10-01",
                     *           "ends_on": "2026-12-31",
                     *           "status": "upcoming"
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["Campaign"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_drills: {
        parameters: {
            query?: {
                /**
                 * @description Only those of this enterprise.
                 * @example 0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12
                 */
                enterprise_id?: string;
                /**
                 * @description Only those of this village (an org unit of kind `village`).
                 * @example 0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01
                 */
                village_id?: string;
                /**
                 * @description Only drills of this kind.
                 * @example evacuation
                 */
                kind?: components["schemas"]["DrillKind"];
                /**
                 * @description Only those held on or after this date.
                 * @example 2025-01-01
                 */
                held_from?: string;
                /**
                 * @description Only those held on or before this date.
                 * @example 2025-06-30
                 */
                held_to?: string;
                /**
                 * @description Page size, 1–200.
                 * @example 50
                 */
                limit?: number;
                /**
                 * @description Opaque token: `next_cursor` of the previous page, passed back unchanged (22 characters, base64url). Leave it out for the first page.
                 * @example AZO0z3Qge7Wd9Dpz3k6Ovg
                 */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of drills, newest first. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "items": [
                     *         {
                     *           "id": "0193a5c1-1d5e-7f6a-9b7c-8d9e0f1a2b34",
                     *           "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                     *           "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *           "sector": "hazardous_chemicals",
                     *           "kind": "evacuation",
                     *           "held_on": "2025-05-12",
                     *           "participants": 86,
                     *           "scenario": "二楼配电间起火，全员疏散至东侧广场",
                     *           "notes": null,
                     *           "created_by": "0193a5c0-0b06-7000-8000-00000000b006",
                     *           "created_at": "2025-05-12T17:05:12.300+08:00"
                     *         }
                     *       ],
                     *       "next_cursor": null
                     *     }
                     */
                    "application/json": components["schemas"]["DrillPage"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    create_drill: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                 *       "kind": "evacuation",
                 *       "held_on": "2025-05-12",
                 *       "participants": 86,
                 *       "scenario": "二楼配电间起火，全员疏散至东侧广场"
                 *     }
                 */
                "application/json": components["schemas"]["DrillCreate"];
            };
        };
        responses: {
            /** @description The drill as recorded. */
            201: {
                headers: {
                    Location: components["headers"]["Location"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c1-1d5e-7f6a-9b7c-8d9e0f1a2b34",
                     *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                     *       "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "sector": "hazardous_chemicals",
                     *       "kind": "evacuation",
                     *       "held_on": "2025-05-12",
                     *       "participants": 86,
                     *       "scenario": "二楼配电间起火，全员疏散至东侧广场",
                     *       "notes": null,
                     *       "created_by": "0193a5c0-0b06-7000-8000-00000000b006",
                     *       "created_at": "2025-05-12T17:05:12.300+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["DrillRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: an enterprise the caller cannot see; `held_on` in the future; an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_drill: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The drill's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c1-1d5e-7f6a-9b7c-8d9e0f1a2b34
                 */
                drill_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The drill. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c1-1d5e-7f6a-9b7c-8d9e0f1a2b34",
                     *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                     *       "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "sector": "hazardous_chemicals",
                     *       "kind": "evacuation",
                     *       "held_on": "2025-05-12",
                     *       "participants": 86,
                     *       "scenario": "二楼配电间起火，全员疏散至东侧广场",
                     *       "notes": null,
                     *       "created_by": "0193a5c0-0b06-7000-8000-00000000b006",
                     *       "created_at": "2025-05-12T17:05:12.300+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["DrillRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_trainings: {
        parameters: {
            query?: {
                /**
                 * @description Only those of this enterprise.
                 * @example 0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12
                 */
                enterprise_id?: string;
                /**
                 * @description Only those of this village (an org unit of kind `village`).
                 * @example 0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01
                 */
                village_id?: string;
                /**
                 * @description Only trainings of this trainee role.
                 * @example fire_safety_responsible
                 */
                trainee_role?: components["schemas"]["TraineeRole"];
                /**
                 * @description `true`: only passed trainings (C4 counts these).
                 * @example true
                 */
                passed?: boolean;
                /**
                 * @description Only those held on or after this date.
                 * @example 2025-01-01
                 */
                held_from?: string;
                /**
                 * @description Only those held on or before this date.
                 * @example 2025-06-30
                 */
                held_to?: string;
                /**
                 * @description Page size, 1–200.
                 * @example 50
                 */
                limit?: number;
                /**
                 * @description Opaque token: `next_cursor` of the previous page, passed back unchanged (22 characters, base64url). Leave it out for the first page.
                 * @example AZO0z3Qge7Wd9Dpz3k6Ovg
                 */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of trainings, newest first. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "items": [
                     *         {
                     *           "id": "0193a5c1-2e6f-7a7b-8c8d-9e0f1a2b3c45",
                     *           "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                     *           "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *           "sector": "hazardous_chemicals",
                     *           "trainee_role": "principal",
                     *           "trainee_name": "王强",
                     *           "topic": "主要负责人安全生产知识和管理能力培训",
                     *           "held_on": "2025-03-20",
                     *           "hours": "8.0",
                     *           "passed": true,
                     *           "created_by": "0193a5c0-0b06-7000-8000-00000000b006",
                     *           "created_at": "2025-03-20T18:00:00+08:00"
                     *         }
                     *       ],
                     *       "next_cursor": null
                     *     }
                     */
                    "application/json": components["schemas"]["TrainingPage"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    create_training: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                 *       "trainee_role": "fire_safety_responsible",
                 *       "trainee_name": "李娜",
                 *       "topic": "消防安全责任人培训",
                 *       "held_on": "2025-03-20",
                 *       "hours": "8.0",
                 *       "passed": true
                 *     }
                 */
                "application/json": components["schemas"]["TrainingCreate"];
            };
        };
        responses: {
            /** @description The training as recorded. */
            201: {
                headers: {
                    Location: components["headers"]["Location"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c1-2e6f-7a7b-8c8d-9e0f1a2b3c45",
                     *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                     *       "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "sector": "hazardous_chemicals",
                     *       "trainee_role": "principal",
                     *       "trainee_name": "王强",
                     *       "topic": "主要负责人安全生产知识和管理能力培训",
                     *       "held_on": "2025-03-20",
                     *       "hours": "8.0",
                     *       "passed": true,
                     *       "created_by": "0193a5c0-0b06-7000-8000-00000000b006",
                     *       "created_at": "2025-03-20T18:00:00+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["TrainingRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: an enterprise the caller cannot see; `held_on` in the future; an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_training: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The training's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c1-2e6f-7a7b-8c8d-9e0f1a2b3c45
                 */
                training_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The training. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c1-2e6f-7a7b-8c8d-9e0f1a2b3c45",
                     *       "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                     *       "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "sector": "hazardous_chemicals",
                     *       "trainee_role": "principal",
                     *       "trainee_name": "王强",
                     *       "topic": "主要负责人安全生产知识和管理能力培训",
                     *       "held_on": "2025-03-20",
                     *       "hours": "8.0",
                     *       "passed": true,
                     *       "created_by": "0193a5c0-0b06-7000-8000-00000000b006",
                     *       "created_at": "2025-03-20T18:00:00+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["TrainingRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_supervision_tasks: {
        parameters: {
            query?: {
                /**
                 * @description Only tasks of this kind.
                 * @example supervision_round
                 */
                kind?: components["schemas"]["TaskKind"];
                /**
                 * @description Only tasks in this state.
                 * @example submitted
                 */
                status?: components["schemas"]["TaskStatus"];
                /**
                 * @description Only tasks assigned to this unit.
                 * @example 0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01
                 */
                assignee_org_unit_id?: string;
                /**
                 * @description Only tasks supervising this unit.
                 * @example 0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01
                 */
                target_org_unit_id?: string;
                /**
                 * @description `true`: only tasks not accepted and past `due_on` (S2).
                 * @example true
                 */
                overdue?: boolean;
                /**
                 * @description Page size, 1–200.
                 * @example 50
                 */
                limit?: number;
                /**
                 * @description Opaque token: `next_cursor` of the previous page, passed back unchanged (22 characters, base64url). Leave it out for the first page.
                 * @example AZO0z3Qge7Wd9Dpz3k6Ovg
                 */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of tasks, newest first. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "items": [
                     *         {
                     *           "id": "0193a5c1-3f7a-7b8c-9d9e-0f1a2b3c4d56",
                     *           "kind": "supervision_round",
                     *           "title": "2025年上半年东湖村安全生产督导",
                     *           "description": "对东湖村开展半年度督导，覆盖危险化学品企业",
                     *           "assignee_org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *           "target_org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *           "hazard_id": null,
                     *           "due_on": "2025-06-30",
                     *           "status": "submitted",
                     *           "report": "已完成对辖区12家企业的督导，发现隐患3处",
                     *           "review_comment": null,
                     *           "submitted_at": "2025-06-25T16:12:00+08:00",
                     *           "completed_on": null,
                     *           "overdue": false,
                     *           "allowed_actions": [
                     *             "accept",
                     *             "return"
                     *           ],
                     *           "referrals": [],
                     *           "hazard_ids": [
                     *             "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d"
                     *           ],
                     *           "created_by": "0193a5c0-0b01-7000-8000-00000000b001",
                     *           "created_at": "2025-06-01T09:00:00+08:00",
                     *           "updated_at": "2025-06-25T16:12:00+08:00"
                     *         }
                     *       ],
                     *       "next_cursor": null
                     *     }
                     */
                    "application/json": components["schemas"]["SupervisionTaskPage"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    create_supervision_task: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "kind": "supervision_round",
                 *       "title": "2025年上半年安全生产督导",
                 *       "assignee_org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                 *       "target_org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                 *       "due_on": "2025-06-30"
                 *     }
                 */
                "application/json": components["schemas"]["SupervisionTaskCreate"];
            };
        };
        responses: {
            /** @description The task as created, `open`. */
            201: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    Location: components["headers"]["Location"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c1-3f7a-7b8c-9d9e-0f1a2b3c4d56",
                     *       "kind": "supervision_round",
                     *       "title": "2025年上半年东湖村安全生产督导",
                     *       "description": "对东湖村开展半年度督导，覆盖危险化学品企业",
                     *       "assignee_org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "target_org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "hazard_id": null,
                     *       "due_on": "2025-06-30",
                     *       "status": "submitted",
                     *       "report": "已完成对辖区12家企业的督导，发现隐患3处",
                     *       "review_comment": null,
                     *       "submitted_at": "2025-06-25T16:12:00+08:00",
                     *       "completed_on": null,
                     *       "overdue": false,
                     *       "allowed_actions": [
                     *         "accept",
                     *         "return"
                     *       ],
                     *       "referrals": [],
                     *       "hazard_ids": [
                     *         "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d"
                     *       ],
                     *       "created_by": "0193a5c0-0b01-7000-8000-00000000b001",
                     *       "created_at": "2025-06-01T09:00:00+08:00",
                     *       "updated_at": "2025-06-25T16:12:00+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["SupervisionTaskRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: an assignee or target that is not a village or department; a hazard the caller cannot see or that is not open; `due_on` in the past; an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_supervision_task: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The supervision task's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c1-3f7a-7b8c-9d9e-0f1a2b3c4d56
                 */
                task_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The task. */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c1-3f7a-7b8c-9d9e-0f1a2b3c4d56",
                     *       "kind": "supervision_round",
                     *       "title": "2025年上半年东湖村安全生产督导",
                     *       "description": "对东湖村开展半年度督导，覆盖危险化学品企业",
                     *       "assignee_org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "target_org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "hazard_id": null,
                     *       "due_on": "2025-06-30",
                     *       "status": "submitted",
                     *       "report": "已完成对辖区12家企业的督导，发现隐患3处",
                     *       "review_comment": null,
                     *       "submitted_at": "2025-06-25T16:12:00+08:00",
                     *       "completed_on": null,
                     *       "overdue": false,
                     *       "allowed_actions": [
                     *         "accept",
                     *         "return"
                     *       ],
                     *       "referrals": [],
                     *       "hazard_ids": [
                     *         "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d"
                     *       ],
                     *       "created_by": "0193a5c0-0b01-7000-8000-00000000b001",
                     *       "created_at": "2025-06-01T09:00:00+08:00",
                     *       "updated_at": "2025-06-25T16:12:00+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["SupervisionTaskRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    submit_supervision_task: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
                /**
                 * @description The `ETag` of the representation the change is based on, as the server sent it (`"3"`), or a list of them; `*` for any. Anything that names no current representation — a stale ETag, or text that is no entity tag at all — answers 412 with the current ETag (RFC 9110: the precondition is evaluated before the content). Without it the change applies to whatever is current.
                 * @example "3"
                 */
                "If-Match"?: string;
            };
            path: {
                /**
                 * @description The supervision task's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c1-3f7a-7b8c-9d9e-0f1a2b3c4d56
                 */
                task_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "report": "已完成对辖区12家企业的督导，发现隐患3处"
                 *     }
                 */
                "application/json": components["schemas"]["SubmitTaskRequest"];
            };
        };
        responses: {
            /** @description The task, now `submitted`. */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c1-3f7a-7b8c-9d9e-0f1a2b3c4d56",
                     *       "kind": "supervision_round",
                     *       "title": "2025年上半年东湖村安全生产督导",
                     *       "description": "对东湖村开展半年度督导，覆盖危险化学品企业",
                     *       "assignee_org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "target_org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "hazard_id": null,
                     *       "due_on": "2025-06-30",
                     *       "status": "submitted",
                     *       "report": "已完成对辖区12家企业的督导，发现隐患3处",
                     *       "review_comment": null,
                     *       "submitted_at": "2025-06-25T16:12:00+08:00",
                     *       "completed_on": null,
                     *       "overdue": false,
                     *       "allowed_actions": [
                     *         "accept",
                     *         "return"
                     *       ],
                     *       "referrals": [],
                     *       "hazard_ids": [
                     *         "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d"
                     *       ],
                     *       "created_by": "0193a5c0-0b01-7000-8000-00000000b001",
                     *       "created_at": "2025-06-01T09:00:00+08:00",
                     *       "updated_at": "2025-06-25T16:12:00+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["SupervisionTaskRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description If-Match names a stale version */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    accept_supervision_task: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
                /**
                 * @description The `ETag` of the representation the change is based on, as the server sent it (`"3"`), or a list of them; `*` for any. Anything that names no current representation — a stale ETag, or text that is no entity tag at all — answers 412 with the current ETag (RFC 9110: the precondition is evaluated before the content). Without it the change applies to whatever is current.
                 * @example "3"
                 */
                "If-Match"?: string;
            };
            path: {
                /**
                 * @description The supervision task's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c1-3f7a-7b8c-9d9e-0f1a2b3c4d56
                 */
                task_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "comment": "督导到位，同意验收",
                 *       "completed_on": "2025-06-28"
                 *     }
                 */
                "application/json": components["schemas"]["AcceptTaskRequest"];
            };
        };
        responses: {
            /** @description The task, now `accepted`. */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c1-3f7a-7b8c-9d9e-0f1a2b3c4d56",
                     *       "kind": "supervision_round",
                     *       "title": "2025年上半年东湖村安全生产督导",
                     *       "description": "对东湖村开展半年度督导，覆盖危险化学品企业",
                     *       "assignee_org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "target_org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "hazard_id": null,
                     *       "due_on": "2025-06-30",
                     *       "status": "submitted",
                     *       "report": "已完成对辖区12家企业的督导，发现隐患3处",
                     *       "review_comment": null,
                     *       "submitted_at": "2025-06-25T16:12:00+08:00",
                     *       "completed_on": null,
                     *       "overdue": false,
                     *       "allowed_actions": [
                     *         "accept",
                     *         "return"
                     *       ],
                     *       "referrals": [],
                     *       "hazard_ids": [
                     *         "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d"
                     *       ],
                     *       "created_by": "0193a5c0-0b01-7000-8000-00000000b001",
                     *       "created_at": "2025-06-01T09:00:00+08:00",
                     *       "updated_at": "2025-06-25T16:12:00+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["SupervisionTaskRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description If-Match names a stale version */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: `completed_on` in the future or before the task was created; an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    return_supervision_task: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
                /**
                 * @description The `ETag` of the representation the change is based on, as the server sent it (`"3"`), or a list of them; `*` for any. Anything that names no current representation — a stale ETag, or text that is no entity tag at all — answers 412 with the current ETag (RFC 9110: the precondition is evaluated before the content). Without it the change applies to whatever is current.
                 * @example "3"
                 */
                "If-Match"?: string;
            };
            path: {
                /**
                 * @description The supervision task's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c1-3f7a-7b8c-9d9e-0f1a2b3c4d56
                 */
                task_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "comment": "未覆盖危险化学品企业，请补充督导"
                 *     }
                 */
                "application/json": components["schemas"]["ReturnTaskRequest"];
            };
        };
        responses: {
            /** @description The task, now `returned`. */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c1-3f7a-7b8c-9d9e-0f1a2b3c4d56",
                     *       "kind": "supervision_round",
                     *       "title": "2025年上半年东湖村安全生产督导",
                     *       "description": "对东湖村开展半年度督导，覆盖危险化学品企业",
                     *       "assignee_org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "target_org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "hazard_id": null,
                     *       "due_on": "2025-06-30",
                     *       "status": "submitted",
                     *       "report": "已完成对辖区12家企业的督导，发现隐患3处",
                     *       "review_comment": null,
                     *       "submitted_at": "2025-06-25T16:12:00+08:00",
                     *       "completed_on": null,
                     *       "overdue": false,
                     *       "allowed_actions": [
                     *         "accept",
                     *         "return"
                     *       ],
                     *       "referrals": [],
                     *       "hazard_ids": [
                     *         "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d"
                     *       ],
                     *       "created_by": "0193a5c0-0b01-7000-8000-00000000b001",
                     *       "created_at": "2025-06-01T09:00:00+08:00",
                     *       "updated_at": "2025-06-25T16:12:00+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["SupervisionTaskRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description If-Match names a stale version */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    record_supervision_findings: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
                /**
                 * @description The `ETag` of the representation the change is based on, as the server sent it (`"3"`), or a list of them; `*` for any. Anything that names no current representation — a stale ETag, or text that is no entity tag at all — answers 412 with the current ETag (RFC 9110: the precondition is evaluated before the content). Without it the change applies to whatever is current.
                 * @example "3"
                 */
                "If-Match"?: string;
            };
            path: {
                /**
                 * @description The supervision task's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c1-3f7a-7b8c-9d9e-0f1a2b3c4d56
                 */
                task_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "findings": [
                 *         {
                 *           "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                 *           "grade": "general",
                 *           "title": "疏散通道堆放杂物",
                 *           "deadline": "2025-06-20"
                 *         }
                 *       ]
                 *     }
                 */
                "application/json": components["schemas"]["FindingsRequest"];
            };
        };
        responses: {
            /** @description The hazards created; `Location` and `ETag` are the task's. */
            201: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    Location: components["headers"]["Location"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "task_id": "0193a5c1-3f7a-7b8c-9d9e-0f1a2b3c4d56",
                     *       "hazards": [
                     *         {
                     *           "id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
                     *           "enterprise_id": "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12",
                     *           "village_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *           "sector": "hazardous_chemicals",
                     *           "grade": "major",
                     *           "source": "supervision",
                     *           "title": "储罐区可燃气体报警器失效",
                     *           "description": "2号储罐区可燃气体报警器无响应，未与切断阀联锁",
                     *           "criterion_ref": "化工和危险化学品生产经营单位重大生产安全事故隐患判定标准 第十条",
                     *           "criterion_code": "HGWH-2017-10",
                     *           "location": "2号储罐区",
                     *           "discovered_on": "2025-03-02",
                     *           "status": "rectifying",
                     *           "status_effective_on": "2025-03-05",
                     *           "deadline": "2025-04-30",
                     *           "overdue": false,
                     *           "extensions": 0,
                     *           "plan": {
                     *             "responsible_person": "李明",
                     *             "measures": "更换可燃气体报警器并与紧急切断阀联锁",
                     *             "funds": "12000.00",
                     *             "deadline": "2025-04-30",
                     *             "contingency_plan": "停用储罐区，设置警戒区，专人值守"
                     *           },
                     *           "evidence": null,
                     *           "listed": false,
                     *           "notified_at": "2025-03-02T09:15:27.412+08:00",
                     *           "closed_on": null,
                     *           "inspection_id": null,
                     *           "report_id": null,
                     *           "allowed_actions": [
                     *             "submit",
                     *             "void",
                     *             "extend"
                     *           ],
                     *           "created_at": "2025-03-02T09:15:27.412+08:00",
                     *           "updated_at": "2025-04-28T16:40:03.118+08:00"
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["FindingsRecorded"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description If-Match names a stale version */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: an enterprise the caller cannot see; a deadline before `discovered_on`; `discovered_on` in the future or before the task was created; an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    create_task_referral: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
                /**
                 * @description The `ETag` of the representation the change is based on, as the server sent it (`"3"`), or a list of them; `*` for any. Anything that names no current representation — a stale ETag, or text that is no entity tag at all — answers 412 with the current ETag (RFC 9110: the precondition is evaluated before the content). Without it the change applies to whatever is current.
                 * @example "3"
                 */
                "If-Match"?: string;
            };
            path: {
                /**
                 * @description The supervision task's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c1-3f7a-7b8c-9d9e-0f1a2b3c4d56
                 */
                task_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "referred_to": "区纪委监委",
                 *       "subject": "东湖村督导整改不力问题",
                 *       "facts": "督导发现的三处重大隐患逾期未整改",
                 *       "referred_on": "2025-07-02"
                 *     }
                 */
                "application/json": components["schemas"]["ReferralCreate"];
            };
        };
        responses: {
            /** @description The task with the referral; `Location` and `ETag` are the task's. */
            201: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    Location: components["headers"]["Location"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c1-4a8b-7c9d-8e0f-1a2b3c4d5e67",
                     *       "task_id": "0193a5c1-3f7a-7b8c-9d9e-0f1a2b3c4d56",
                     *       "referred_to": "区纪委监委",
                     *       "subject": "东湖村督导整改不力问题",
                     *       "facts": "督导发现的三处重大隐患逾期未整改",
                     *       "referred_on": "2025-07-02",
                     *       "created_by": "0193a5c0-0b01-7000-8000-00000000b001",
                     *       "created_at": "2025-07-02T11:00:00+08:00"
                     *     }
                     */
                    "application/json": components["schemas"]["ReferralRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description If-Match names a stale version */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: `referred_on` in the future or before the task was created; an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_audit_entries: {
        parameters: {
            query?: {
                /**
                 * @description Only writes by this user.
                 * @example 0193a5c0-0b01-7000-8000-00000000b001
                 */
                actor_id?: string;
                /**
                 * @description Only writes to this kind of resource (the collection: `hazards`, `inspections` ...).
                 * @example hazards
                 */
                resource?: string;
                /**
                 * @description Only writes to this resource.
                 * @example 0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d
                 */
                resource_id?: string;
                /**
                 * @description Only writes with this HTTP method.
                 * @example POST
                 */
                method?: components["schemas"]["WriteMethod"];
                /**
                 * @description Only writes at or after this instant.
                 * @example 2025-03-01T00:00:00+08:00
                 */
                from?: string;
                /**
                 * @description Only writes at or before this instant.
                 * @example 2025-03-31T23:59:59+08:00
                 */
                to?: string;
                /**
                 * @description Page size, 1–200.
                 * @example 50
                 */
                limit?: number;
                /**
                 * @description Opaque token: `next_cursor` of the previous page, passed back unchanged (11 characters, base64url). Leave it out for the first page.
                 * @example AAAAAAAAAGQ
                 */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of the trail, newest first. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "items": [
                     *         {
                     *           "id": 5120,
                     *           "seq": 5120,
                     *           "at": "2025-03-05T10:02:11.031+08:00",
                     *           "actor_id": "0193a5c0-0b01-7000-8000-00000000b001",
                     *           "actor_role": "street_admin",
                     *           "org_unit_id": "0193a5c0-0a01-7000-8000-00000000a001",
                     *           "client_address": "10.20.3.41",
                     *           "request_id": "9f1c2e7a4b6d8c0e1a2b3c4d",
                     *           "method": "POST",
                     *           "path": "/api/v1/hazards/0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d/plan",
                     *           "action": "hazard.plan",
                     *           "resource": "hazards",
                     *           "resource_id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
                     *           "status_code": 200,
                     *           "prev_hash": "5d41402abc4b2a76b9719d911017c592ae2b8e1f0a9c3d7e6b5a4f3e2d1c0b9a",
                     *           "hash": "7b52009b64fd0a2a49e6d8a939753077792b0554e8c1f0a9d3b7c6e5f4a3b2c1"
                     *         }
                     *       ],
                     *       "next_cursor": "AAAAAAAAE_8"
                     *     }
                     */
                    "application/json": components["schemas"]["AuditPage"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_import_template_enterprises: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The template, as an attachment named `import-enterprises.xlsx`. */
            200: {
                headers: {
                    /** @description `attachment` with the file name. */
                    "Content-Disposition": string;
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": Blob;
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_import_template_hazards: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The template, as an attachment named `import-hazards.xlsx`. */
            200: {
                headers: {
                    /** @description `attachment` with the file name. */
                    "Content-Disposition": string;
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": Blob;
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_import_template_inspections: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The template, as an attachment named `import-inspections.xlsx`. */
            200: {
                headers: {
                    /** @description `attachment` with the file name. */
                    "Content-Disposition": string;
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": Blob;
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_import_template_drills: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The template, as an attachment named `import-drills.xlsx`. */
            200: {
                headers: {
                    /** @description `attachment` with the file name. */
                    "Content-Disposition": string;
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": Blob;
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_import_template_trainings: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The template, as an attachment named `import-trainings.xlsx`. */
            200: {
                headers: {
                    /** @description `attachment` with the file name. */
                    "Content-Disposition": string;
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": Blob;
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    upload_import: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "multipart/form-data": components["schemas"]["ImportUpload"];
            };
        };
        responses: {
            /** @description The import, validating; `Location` is where to follow it. */
            201: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    Location: components["headers"]["Location"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c2-4b1d-7e2f-8a3b-5c6d7e8f9a01",
                     *       "kind": "hazards",
                     *       "status": "ready",
                     *       "file_format": "xlsx",
                     *       "encoding": null,
                     *       "filename": "隐患台账2024.xlsx",
                     *       "size": 48213,
                     *       "sha256": "9f2c1e0b7a6d5c4b3a29181706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3",
                     *       "progress": {
                     *         "rows_done": 1203,
                     *         "rows_total": 1203
                     *       },
                     *       "counts": {
                     *         "valid": 1198,
                     *         "invalid": 4,
                     *         "duplicates": 1
                     *       },
                     *       "created_count": null,
                     *       "created_at": "2025-06-16T10:00:00+08:00",
                     *       "committed_at": null
                     *     }
                     */
                    "application/json": components["schemas"]["ImportRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_import: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The import's id.
                 * @example 0193a5c2-4b1d-7e2f-8a3b-5c6d7e8f9a01
                 */
                import_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The import. */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c2-4b1d-7e2f-8a3b-5c6d7e8f9a01",
                     *       "kind": "hazards",
                     *       "status": "ready",
                     *       "file_format": "xlsx",
                     *       "encoding": null,
                     *       "filename": "隐患台账2024.xlsx",
                     *       "size": 48213,
                     *       "sha256": "9f2c1e0b7a6d5c4b3a29181706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3",
                     *       "progress": {
                     *         "rows_done": 1203,
                     *         "rows_total": 1203
                     *       },
                     *       "counts": {
                     *         "valid": 1198,
                     *         "invalid": 4,
                     *         "duplicates": 1
                     *       },
                     *       "created_count": null,
                     *       "created_at": "2025-06-16T10:00:00+08:00",
                     *       "committed_at": null
                     *     }
                     */
                    "application/json": components["schemas"]["ImportRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_import_errors: {
        parameters: {
            query?: {
                /**
                 * @description `xlsx` for the failing rows as a workbook; `json` (the default) for the list.
                 * @example xlsx
                 */
                format?: components["schemas"]["ErrorsFormat"];
                /**
                 * @description Page size, 1–200.
                 * @example 50
                 */
                limit?: number;
                /**
                 * @description Opaque token: `next_cursor` of the previous page, passed back unchanged (22 characters, base64url). Leave it out for the first page.
                 * @example AZO0z3Qge7Wd9Dpz3k6Ovg
                 */
                cursor?: string;
            };
            header?: never;
            path: {
                /**
                 * @description The import's id.
                 * @example 0193a5c2-4b1d-7e2f-8a3b-5c6d7e8f9a01
                 */
                import_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of errors, or the failing rows as a workbook named `import-errors-{id}.xlsx`. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "items": [
                     *         {
                     *           "row": 7,
                     *           "column": "发现日期",
                     *           "value": "2024-02-30",
                     *           "message": "日期不存在：2024年2月30日",
                     *           "duplicate": false
                     *         }
                     *       ],
                     *       "next_cursor": null
                     *     }
                     */
                    "application/json": components["schemas"]["ImportErrorPage"];
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": Blob;
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    commit_import: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
            };
            path: {
                /**
                 * @description The import's id.
                 * @example 0193a5c2-4b1d-7e2f-8a3b-5c6d7e8f9a01
                 */
                import_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "skip_invalid": true
                 *     }
                 */
                "application/json": components["schemas"]["CommitRequest"];
            };
        };
        responses: {
            /** @description The import, committing (or as it stands). */
            202: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c2-4b1d-7e2f-8a3b-5c6d7e8f9a01",
                     *       "kind": "hazards",
                     *       "status": "ready",
                     *       "file_format": "xlsx",
                     *       "encoding": null,
                     *       "filename": "隐患台账2024.xlsx",
                     *       "size": 48213,
                     *       "sha256": "9f2c1e0b7a6d5c4b3a29181706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3",
                     *       "progress": {
                     *         "rows_done": 1203,
                     *         "rows_total": 1203
                     *       },
                     *       "counts": {
                     *         "valid": 1198,
                     *         "invalid": 4,
                     *         "duplicates": 1
                     *       },
                     *       "created_count": null,
                     *       "created_at": "2025-06-16T10:00:00+08:00",
                     *       "committed_at": null
                     *     }
                     */
                    "application/json": components["schemas"]["ImportRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_criteria: {
        parameters: {
            query?: {
                /**
                 * @description Only those of this sector: a code from `GET /api/v1/sectors`.
                 * @example hazardous_chemicals
                 */
                sector?: string;
                /**
                 * @description Only those of this document number (文号).
                 * @example 应急管理部令第10号
                 */
                document?: string;
                /**
                 * @description `major`: only major-hazard criteria.
                 * @example major
                 */
                grade?: components["schemas"]["Grade"];
                /**
                 * @description `true`: only major-hazard criteria; `false`: only the others.
                 * @example true
                 */
                major?: boolean;
                /**
                 * @description Only those for enterprises with this tag.
                 * @example dust_explosion
                 */
                tag?: components["schemas"]["EnterpriseTag"];
                /**
                 * @description Only those in force on this day.
                 * @example 2025-06-01
                 */
                in_force_on?: string;
                /**
                 * @description A library version (default: the one in force, the highest).
                 * @example 1
                 */
                version?: number;
                /**
                 * @description Page size, 1–200.
                 * @example 50
                 */
                limit?: number;
                /**
                 * @description Opaque token: `next_cursor` of the previous page, passed back unchanged (11 characters, base64url). Leave it out for the first page.
                 * @example AAAAAAAAAGQ
                 */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of criteria, in document order. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "items": [
                     *         {
                     *           "code": "GMQY-2023-13-1",
                     *           "version": 1,
                     *           "sectors": [
                     *             "industry_trade"
                     *           ],
                     *           "tags": [
                     *             "confined_space"
                     *           ],
                     *           "grade": "major",
                     *           "standard": {
                     *             "title": "工贸企业重大事故隐患判定标准",
                     *             "issuer": "应急管理部",
                     *             "number": "应急管理部令第10号",
                     *             "article": "第十三条",
                     *             "item": "（一）",
                     *             "article_text": "存在硫化氢、一氧化碳等中毒风险的有限空间作业的工贸企业有下列情形之一的，应当判定为重大事故隐患：",
                     *             "published_on": "2023-04-14",
                     *             "complete": false
                     *           },
                     *           "text": "未对有限空间进行辨识、建立安全管理台账，并且未设置明显的安全警示标志的",
                     *           "effective_from": "2023-05-15",
                     *           "effective_to": null,
                     *           "sources": [
                     *             {
                     *               "id": "S10",
                     *               "official": false,
                     *               "location": "http://www.hftpay.net/news/show/229.html",
                     *               "note": "繁体转换页：第三条、第十二条全文、第十三条（一）"
                     *             }
                     *           ]
                     *         }
                     *       ],
                     *       "next_cursor": "AAAAAAAAAGQ"
                     *     }
                     */
                    "application/json": components["schemas"]["CriterionPage"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: a library `version` that was never loaded */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_versions: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The versions, newest first. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "items": [
                     *         {
                     *           "version": 2,
                     *           "note": "2026年版",
                     *           "criteria_count": 85,
                     *           "loaded_by": "0193a5c0-2b3c-7d4e-8f5a-6b7c8d9e0f11",
                     *           "loaded_at": "2026-12-01T08:00:00Z"
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["CriteriaVersionList"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    load_version: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "note": "2026年版",
                 *       "documents": [
                 *         {
                 *           "standard": {
                 *             "title": "工贸企业重大事故隐患判定标准",
                 *             "issuer": "应急管理部",
                 *             "number": "应急管理部令第10号",
                 *             "published_on": "2023-04-14",
                 *             "effective_from": "2023-05-15",
                 *             "effective_to": null,
                 *             "complete": false,
                 *             "sources": [],
                 *             "missing": [],
                 *             "notes": []
                 *           },
                 *           "criteria": [
                 *             {
                 *               "code": "GMQY-2023-14",
                 *               "article": "第十四条",
                 *               "item": null,
                 *               "article_text": null,
                 *               "text": "本标准所列情形中直接关系生产安全的监控、报警、防护等设施、设备、装置，应当保证正常运行、使用，失效或者无效均判定为重大事故隐患。",
                 *               "sectors": [
                 *                 "industry_trade"
                 *               ],
                 *               "tags": [],
                 *               "grade": "major",
                 *               "source_ids": []
                 *             }
                 *           ]
                 *         }
                 *       ]
                 *     }
                 */
                "application/json": components["schemas"]["CriteriaVersionCreate"];
            };
        };
        responses: {
            /** @description The version as loaded. */
            201: {
                headers: {
                    Location: components["headers"]["Location"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "version": 2,
                     *       "note": "2026年版",
                     *       "criteria_count": 85,
                     *       "loaded_by": "0193a5c0-2b3c-7d4e-8f5a-6b7c8d9e0f11",
                     *       "loaded_at": "2026-12-01T08:00:00Z"
                     *     }
                     */
                    "application/json": components["schemas"]["CriteriaVersionRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: a library that does not load: dates that are not dates or out of order, unknown sectors, tags or grades, duplicate codes, source ids that no source defines; an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_criterion: {
        parameters: {
            query?: {
                /**
                 * @description A library version (default: the one in force, the highest).
                 * @example 1
                 */
                version?: number;
            };
            header?: never;
            path: {
                /**
                 * @description The criterion's code.
                 * @example GMQY-2023-13-1
                 */
                criterion_code: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The criterion. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "GMQY-2023-13-1",
                     *       "version": 1,
                     *       "sectors": [
                     *         "industry_trade"
                     *       ],
                     *       "tags": [
                     *         "confined_space"
                     *       ],
                     *       "grade": "major",
                     *       "standard": {
                     *         "title": "工贸企业重大事故隐患判定标准",
                     *         "issuer": "应急管理部",
                     *         "number": "应急管理部令第10号",
                     *         "article": "第十三条",
                     *         "item": "（一）",
                     *         "article_text": "存在硫化氢、一氧化碳等中毒风险的有限空间作业的工贸企业有下列情形之一的，应当判定为重大事故隐患：",
                     *         "published_on": "2023-04-14",
                     *         "complete": false
                     *       },
                     *       "text": "未对有限空间进行辨识、建立安全管理台账，并且未设置明显的安全警示标志的",
                     *       "effective_from": "2023-05-15",
                     *       "effective_to": null,
                     *       "sources": [
                     *         {
                     *           "id": "S10",
                     *           "official": false,
                     *           "location": "http://www.hftpay.net/news/show/229.html",
                     *           "note": "繁体转换页：第三条、第十二条全文、第十三条（一）"
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["CriterionRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: a library `version` that was never loaded */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_checklists: {
        parameters: {
            query?: {
                /**
                 * @description Only those of this sector: a code from `GET /api/v1/sectors`.
                 * @example hazardous_chemicals
                 */
                sector?: string;
                /**
                 * @description Only those for this tag.
                 * @example confined_space
                 */
                tag?: components["schemas"]["EnterpriseTag"];
                /**
                 * @description Only the versions of this checklist.
                 * @example 0193a5c0-6a2b-7c3d-8e4f-5a6b7c8d9e01
                 */
                series_id?: string;
                /**
                 * @description `true`: every version, not only the latest.
                 * @example true
                 */
                all_versions?: boolean;
                /**
                 * @description Page size, 1–200.
                 * @example 50
                 */
                limit?: number;
                /**
                 * @description Opaque token: `next_cursor` of the previous page, passed back unchanged (22 characters, base64url). Leave it out for the first page.
                 * @example AZO0z3Qge7Wd9Dpz3k6Ovg
                 */
                cursor?: string;
            };
            header?: {
                /**
                 * @description The `ETag` a client cached: 304 while it is current.
                 * @example "1.1"
                 */
                "If-None-Match"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of checklists. */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "items": [
                     *         {
                     *           "id": "0193a5c0-6a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *           "series_id": "0193a5c0-6a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *           "name": "有限空间作业检查表",
                     *           "version": 1,
                     *           "sectors": [
                     *             "industry_trade"
                     *           ],
                     *           "tags": [
                     *             "confined_space"
                     *           ],
                     *           "is_default": false,
                     *           "latest": true,
                     *           "items": [
                     *             {
                     *               "id": "0193a5c0-6a2b-7c3d-8e4f-5a6b7c8d9e02",
                     *               "position": 1,
                     *               "text": "未对有限空间进行辨识、建立安全管理台账，并且未设置明显的安全警示标志的",
                     *               "criterion_code": "GMQY-2023-13-1",
                     *               "grade": "major"
                     *             }
                     *           ],
                     *           "created_at": "2026-12-01T08:00:00Z",
                     *           "updated_at": "2026-12-01T08:00:00Z"
                     *         }
                     *       ],
                     *       "next_cursor": null
                     *     }
                     */
                    "application/json": components["schemas"]["ChecklistPage"];
                };
            };
            /** @description Not modified: the cached page is current. */
            304: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    create_checklist: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "name": "有限空间作业检查表",
                 *       "sectors": [
                 *         "industry_trade"
                 *       ],
                 *       "tags": [
                 *         "confined_space"
                 *       ],
                 *       "items": [
                 *         {
                 *           "text": "未对有限空间进行辨识、建立安全管理台账，并且未设置明显的安全警示标志的",
                 *           "criterion_code": "GMQY-2023-13-1"
                 *         },
                 *         {
                 *           "text": "作业现场配备的通风、检测设备完好"
                 *         }
                 *       ]
                 *     }
                 */
                "application/json": components["schemas"]["ChecklistCreate"];
            };
        };
        responses: {
            /** @description The checklist as created. */
            201: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    Location: components["headers"]["Location"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c0-6a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "series_id": "0193a5c0-6a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "name": "有限空间作业检查表",
                     *       "version": 1,
                     *       "sectors": [
                     *         "industry_trade"
                     *       ],
                     *       "tags": [
                     *         "confined_space"
                     *       ],
                     *       "is_default": false,
                     *       "latest": true,
                     *       "items": [
                     *         {
                     *           "id": "0193a5c0-6a2b-7c3d-8e4f-5a6b7c8d9e02",
                     *           "position": 1,
                     *           "text": "未对有限空间进行辨识、建立安全管理台账，并且未设置明显的安全警示标志的",
                     *           "criterion_code": "GMQY-2023-13-1",
                     *           "grade": "major"
                     *         }
                     *       ],
                     *       "created_at": "2026-12-01T08:00:00Z",
                     *       "updated_at": "2026-12-01T08:00:00Z"
                     *     }
                     */
                    "application/json": components["schemas"]["ChecklistRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: no sector and no tag; an item's criterion unknown or of none of the checklist's sectors; an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_checklist: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description The `ETag` a client cached: 304 while it is current.
                 * @example "1.1"
                 */
                "If-None-Match"?: string;
            };
            path: {
                /**
                 * @description A checklist version's id; an unknown one answers 404.
                 * @example 0193a5c0-6a2b-7c3d-8e4f-5a6b7c8d9e01
                 */
                checklist_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The checklist version. */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c0-6a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "series_id": "0193a5c0-6a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "name": "有限空间作业检查表",
                     *       "version": 1,
                     *       "sectors": [
                     *         "industry_trade"
                     *       ],
                     *       "tags": [
                     *         "confined_space"
                     *       ],
                     *       "is_default": false,
                     *       "latest": true,
                     *       "items": [
                     *         {
                     *           "id": "0193a5c0-6a2b-7c3d-8e4f-5a6b7c8d9e02",
                     *           "position": 1,
                     *           "text": "未对有限空间进行辨识、建立安全管理台账，并且未设置明显的安全警示标志的",
                     *           "criterion_code": "GMQY-2023-13-1",
                     *           "grade": "major"
                     *         }
                     *       ],
                     *       "created_at": "2026-12-01T08:00:00Z",
                     *       "updated_at": "2026-12-01T08:00:00Z"
                     *     }
                     */
                    "application/json": components["schemas"]["ChecklistRead"];
                };
            };
            /** @description Not modified: the cached copy is current. */
            304: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    replace_checklist: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description The `ETag` of the representation the change is based on, as the server sent it (`"3"`), or a list of them; `*` for any. Anything that names no current representation — a stale ETag, or text that is no entity tag at all — answers 412 with the current ETag (RFC 9110: the precondition is evaluated before the content). Without it the change applies to whatever is current.
                 * @example "3"
                 */
                "If-Match"?: string;
            };
            path: {
                /**
                 * @description A checklist version's id; an unknown one answers 404.
                 * @example 0193a5c0-6a2b-7c3d-8e4f-5a6b7c8d9e01
                 */
                checklist_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "name": "有限空间作业检查表",
                 *       "sectors": [
                 *         "industry_trade"
                 *       ],
                 *       "tags": [
                 *         "confined_space"
                 *       ],
                 *       "items": [
                 *         {
                 *           "text": "未对有限空间进行辨识、建立安全管理台账，并且未设置明显的安全警示标志的",
                 *           "criterion_code": "GMQY-2023-13-1"
                 *         },
                 *         {
                 *           "text": "作业现场配备的通风、检测设备完好"
                 *         }
                 *       ]
                 *     }
                 */
                "application/json": components["schemas"]["ChecklistCreate"];
            };
        };
        responses: {
            /** @description The version changed in place. */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c0-6a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "series_id": "0193a5c0-6a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "name": "有限空间作业检查表",
                     *       "version": 1,
                     *       "sectors": [
                     *         "industry_trade"
                     *       ],
                     *       "tags": [
                     *         "confined_space"
                     *       ],
                     *       "is_default": false,
                     *       "latest": true,
                     *       "items": [
                     *         {
                     *           "id": "0193a5c0-6a2b-7c3d-8e4f-5a6b7c8d9e02",
                     *           "position": 1,
                     *           "text": "未对有限空间进行辨识、建立安全管理台账，并且未设置明显的安全警示标志的",
                     *           "criterion_code": "GMQY-2023-13-1",
                     *           "grade": "major"
                     *         }
                     *       ],
                     *       "created_at": "2026-12-01T08:00:00Z",
                     *       "updated_at": "2026-12-01T08:00:00Z"
                     *     }
                     */
                    "application/json": components["schemas"]["ChecklistRead"];
                };
            };
            /** @description The new version made because this one is in use. */
            201: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    Location: components["headers"]["Location"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description If-Match names a stale version */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: no sector and no tag; an item's criterion unknown or of none of the checklist's sectors */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    checklist_stats: {
        parameters: {
            query?: {
                /**
                 * @description Only those performed on or after this date (Asia/Shanghai).
                 * @example 2025-01-01
                 */
                performed_from?: string;
                /**
                 * @description Only those performed on or before this date (Asia/Shanghai).
                 * @example 2025-12-31
                 */
                performed_to?: string;
            };
            header?: never;
            path: {
                /**
                 * @description A checklist version's id; an unknown one answers 404.
                 * @example 0193a5c0-6a2b-7c3d-8e4f-5a6b7c8d9e01
                 */
                checklist_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The items' counts. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "checklist_id": "0193a5c0-6a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "inspections": 12,
                     *       "items": [
                     *         {
                     *           "item_id": "0193a5c0-6a2b-7c3d-8e4f-5a6b7c8d9e02",
                     *           "position": 1,
                     *           "text": "未对有限空间进行辨识、建立安全管理台账，并且未设置明显的安全警示标志的",
                     *           "criterion_code": "GMQY-2023-13-1",
                     *           "grade": "major",
                     *           "failed": 3,
                     *           "passed": 9,
                     *           "not_applicable": 0,
                     *           "fail_rate": 0.25
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["ChecklistStats"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_reminder_rules: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Every rule, in a fixed order. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "items": [
                     *         {
                     *           "code": "hazard_deadline",
                     *           "enabled": true,
                     *           "offsets_days": [
                     *             7,
                     *             1
                     *           ],
                     *           "recipients": [
                     *             "enterprise_principal",
                     *             "enterprise_users",
                     *             "village_officers",
                     *             "lead_department_officers"
                     *           ],
                     *           "channels": [
                     *             "in_app",
                     *             "sms"
                     *           ],
                     *           "repeat_every_days": null
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["ReminderRuleList"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_reminder_rule: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The rule's code.
                 * @example hazard_deadline
                 */
                code: components["schemas"]["ReminderRuleCode"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The rule. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "hazard_deadline",
                     *       "enabled": true,
                     *       "offsets_days": [
                     *         7,
                     *         1
                     *       ],
                     *       "recipients": [
                     *         "enterprise_principal",
                     *         "enterprise_users",
                     *         "village_officers",
                     *         "lead_department_officers"
                     *       ],
                     *       "channels": [
                     *         "in_app",
                     *         "sms"
                     *       ],
                     *       "repeat_every_days": null
                     *     }
                     */
                    "application/json": components["schemas"]["ReminderRuleRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    change_reminder_rule: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
            };
            path: {
                /**
                 * @description The rule's code.
                 * @example hazard_deadline
                 */
                code: components["schemas"]["ReminderRuleCode"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "offsets_days": [
                 *         10,
                 *         3,
                 *         1
                 *       ],
                 *       "channels": [
                 *         "in_app"
                 *       ]
                 *     }
                 */
                "application/json": components["schemas"]["ReminderRuleChange"];
            };
        };
        responses: {
            /** @description The rule as changed. */
            200: {
                headers: {
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "hazard_deadline",
                     *       "enabled": true,
                     *       "offsets_days": [
                     *         7,
                     *         1
                     *       ],
                     *       "recipients": [
                     *         "enterprise_principal",
                     *         "enterprise_users",
                     *         "village_officers",
                     *         "lead_department_officers"
                     *       ],
                     *       "channels": [
                     *         "in_app",
                     *         "sms"
                     *       ],
                     *       "repeat_every_days": null
                     *     }
                     */
                    "application/json": components["schemas"]["ReminderRuleRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: offsets outside the range of the rule's occasion, or recipients that do not apply to it; an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_escalation_proposals: {
        parameters: {
            query?: {
                /**
                 * @description Only proposals in this state.
                 * @example open
                 */
                status?: components["schemas"]["ProposalStatus"];
                /**
                 * @description Only the proposals of this hazard.
                 * @example 0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d
                 */
                hazard_id?: string;
                /**
                 * @description Page size, 1–200.
                 * @example 50
                 */
                limit?: number;
                /**
                 * @description Opaque token: `next_cursor` of the previous page, passed back unchanged (22 characters, base64url). Leave it out for the first page.
                 * @example AZO0z3Qge7Wd9Dpz3k6Ovg
                 */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of proposals, oldest first. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "items": [
                     *         {
                     *           "id": "0193a5c2-4a1b-7c2d-8e3f-4a5b6c7d8e9f",
                     *           "hazard_id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
                     *           "step": "circular",
                     *           "episode": "2025-04-30",
                     *           "overdue_days": 16,
                     *           "reason": "重大事故隐患逾期16天，建议通报",
                     *           "status": "open",
                     *           "escalation_id": null,
                     *           "proposed_on": "2025-05-16",
                     *           "decided_by": null,
                     *           "decided_at": null,
                     *           "dismissed_reason": null,
                     *           "created_at": "2025-05-16T00:30:00Z"
                     *         }
                     *       ],
                     *       "next_cursor": null
                     *     }
                     */
                    "application/json": components["schemas"]["EscalationProposalPage"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_escalation_proposal: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The escalation proposal's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c2-4a1b-7c2d-8e3f-4a5b6c7d8e9f
                 */
                proposal_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The proposal. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c2-4a1b-7c2d-8e3f-4a5b6c7d8e9f",
                     *       "hazard_id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
                     *       "step": "circular",
                     *       "episode": "2025-04-30",
                     *       "overdue_days": 16,
                     *       "reason": "重大事故隐患逾期16天，建议通报",
                     *       "status": "open",
                     *       "escalation_id": null,
                     *       "proposed_on": "2025-05-16",
                     *       "decided_by": null,
                     *       "decided_at": null,
                     *       "dismissed_reason": null,
                     *       "created_at": "2025-05-16T00:30:00Z"
                     *     }
                     */
                    "application/json": components["schemas"]["EscalationProposalRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    accept_escalation_proposal: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
            };
            path: {
                /**
                 * @description The escalation proposal's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c2-4a1b-7c2d-8e3f-4a5b6c7d8e9f
                 */
                proposal_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "note": "逾期未改，予以通报",
                 *       "effective_on": "2025-05-16"
                 *     }
                 */
                "application/json": components["schemas"]["AcceptProposal"];
            };
        };
        responses: {
            /** @description The proposal, `accepted`. */
            200: {
                headers: {
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c2-4a1b-7c2d-8e3f-4a5b6c7d8e9f",
                     *       "hazard_id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
                     *       "step": "circular",
                     *       "episode": "2025-04-30",
                     *       "overdue_days": 16,
                     *       "reason": "重大事故隐患逾期16天，建议通报",
                     *       "status": "open",
                     *       "escalation_id": null,
                     *       "proposed_on": "2025-05-16",
                     *       "decided_by": null,
                     *       "decided_at": null,
                     *       "dismissed_reason": null,
                     *       "created_at": "2025-05-16T00:30:00Z"
                     *     }
                     */
                    "application/json": components["schemas"]["EscalationProposalRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    dismiss_escalation_proposal: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
            };
            path: {
                /**
                 * @description The escalation proposal's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c2-4a1b-7c2d-8e3f-4a5b6c7d8e9f
                 */
                proposal_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "reason": "企业已提交整改验收申请，暂不通报"
                 *     }
                 */
                "application/json": components["schemas"]["DismissProposal"];
            };
        };
        responses: {
            /** @description The proposal, `dismissed`. */
            200: {
                headers: {
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c2-4a1b-7c2d-8e3f-4a5b6c7d8e9f",
                     *       "hazard_id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d",
                     *       "step": "circular",
                     *       "episode": "2025-04-30",
                     *       "overdue_days": 16,
                     *       "reason": "重大事故隐患逾期16天，建议通报",
                     *       "status": "open",
                     *       "escalation_id": null,
                     *       "proposed_on": "2025-05-16",
                     *       "decided_by": null,
                     *       "decided_at": null,
                     *       "dismissed_reason": null,
                     *       "created_at": "2025-05-16T00:30:00Z"
                     *     }
                     */
                    "application/json": components["schemas"]["EscalationProposalRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_jobs: {
        parameters: {
            query?: {
                /**
                 * @description The jobs in this state.
                 * @example failed
                 */
                status?: components["schemas"]["JobStatus"];
                /**
                 * @description Page size, 1–200.
                 * @example 50
                 */
                limit?: number;
                /**
                 * @description Opaque token: `next_cursor` of the previous page, passed back unchanged (11 characters, base64url). Leave it out for the first page.
                 * @example AAAAAAAAAGQ
                 */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of jobs. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "items": [
                     *         {
                     *           "id": 4711,
                     *           "task": "reminders.deliver",
                     *           "status": "failed",
                     *           "attempts": 5,
                     *           "error": "the SMS gateway answered 503",
                     *           "error_type": "RuntimeError",
                     *           "created_at": "2025-05-16T01:00:00Z",
                     *           "updated_at": "2025-05-16T01:40:00Z",
                     *           "execute_after": "2025-05-16T01:35:00Z"
                     *         }
                     *       ],
                     *       "next_cursor": null
                     *     }
                     */
                    "application/json": components["schemas"]["JobPage"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_notifications: {
        parameters: {
            query?: {
                /**
                 * @description `false`: only unread ones; `true`: only read ones.
                 * @example false
                 */
                read?: boolean;
                /**
                 * @description Only those on this channel.
                 * @example in_app
                 */
                channel?: components["schemas"]["NotificationChannel"];
                /**
                 * @description Only those in this delivery status.
                 * @example sent
                 */
                status?: components["schemas"]["NotificationStatus"];
                /**
                 * @description Page size, 1–200.
                 * @example 50
                 */
                limit?: number;
                /**
                 * @description Opaque token: `next_cursor` of the previous page, passed back unchanged (22 characters, base64url). Leave it out for the first page.
                 * @example AZO0z3Qge7Wd9Dpz3k6Ovg
                 */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of the caller's notifications, newest first. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "items": [
                     *         {
                     *           "id": "0193a5c2-5b9c-7d0e-8f1a-2b3c4d5e6f70",
                     *           "recipient": {
                     *             "user_id": null,
                     *             "name": "王强",
                     *             "role": "principal",
                     *             "address": "138****8000",
                     *             "org_unit_id": null
                     *           },
                     *           "channel": "sms",
                     *           "text": "王强（主要负责人）：合肥精工机械有限公司2025年6月16日被登记重大事故隐患“粉尘涉爆除尘系统未接地”，请立即组织整改。",
                     *           "title": null,
                     *           "status": "sent",
                     *           "attempts": 1,
                     *           "last_error": null,
                     *           "next_attempt_at": null,
                     *           "cause": {
                     *             "rule": "major_hazard",
                     *             "resource": "hazards",
                     *             "resource_id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d"
                     *           },
                     *           "created_at": "2025-06-16T02:00:00Z",
                     *           "sent_at": "2025-06-16T02:00:03Z",
                     *           "read_at": null
                     *         }
                     *       ],
                     *       "next_cursor": null
                     *     }
                     */
                    "application/json": components["schemas"]["NotificationPage"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_notification: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The notification's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c2-5b9c-7d0e-8f1a-2b3c4d5e6f70
                 */
                notification_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The notification with its delivery status. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c2-5b9c-7d0e-8f1a-2b3c4d5e6f70",
                     *       "recipient": {
                     *         "user_id": null,
                     *         "name": "王强",
                     *         "role": "principal",
                     *         "address": "138****8000",
                     *         "org_unit_id": null
                     *       },
                     *       "channel": "sms",
                     *       "text": "王强（主要负责人）：合肥精工机械有限公司2025年6月16日被登记重大事故隐患“粉尘涉爆除尘系统未接地”，请立即组织整改。",
                     *       "title": null,
                     *       "status": "sent",
                     *       "attempts": 1,
                     *       "last_error": null,
                     *       "next_attempt_at": null,
                     *       "cause": {
                     *         "rule": "major_hazard",
                     *         "resource": "hazards",
                     *         "resource_id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d"
                     *       },
                     *       "created_at": "2025-06-16T02:00:00Z",
                     *       "sent_at": "2025-06-16T02:00:03Z",
                     *       "read_at": null
                     *     }
                     */
                    "application/json": components["schemas"]["NotificationRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    mark_read: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
            };
            path: {
                /**
                 * @description The notification's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c2-5b9c-7d0e-8f1a-2b3c4d5e6f70
                 */
                notification_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The notification, read. */
            200: {
                headers: {
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c2-5b9c-7d0e-8f1a-2b3c4d5e6f70",
                     *       "recipient": {
                     *         "user_id": null,
                     *         "name": "王强",
                     *         "role": "principal",
                     *         "address": "138****8000",
                     *         "org_unit_id": null
                     *       },
                     *       "channel": "sms",
                     *       "text": "王强（主要负责人）：合肥精工机械有限公司2025年6月16日被登记重大事故隐患“粉尘涉爆除尘系统未接地”，请立即组织整改。",
                     *       "title": null,
                     *       "status": "sent",
                     *       "attempts": 1,
                     *       "last_error": null,
                     *       "next_attempt_at": null,
                     *       "cause": {
                     *         "rule": "major_hazard",
                     *         "resource": "hazards",
                     *         "resource_id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d"
                     *       },
                     *       "created_at": "2025-06-16T02:00:00Z",
                     *       "sent_at": "2025-06-16T02:00:03Z",
                     *       "read_at": null
                     *     }
                     */
                    "application/json": components["schemas"]["NotificationRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    resend: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
            };
            path: {
                /**
                 * @description The notification's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c2-5b9c-7d0e-8f1a-2b3c4d5e6f70
                 */
                notification_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The notification, pending again. */
            200: {
                headers: {
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c2-5b9c-7d0e-8f1a-2b3c4d5e6f70",
                     *       "recipient": {
                     *         "user_id": null,
                     *         "name": "王强",
                     *         "role": "principal",
                     *         "address": "138****8000",
                     *         "org_unit_id": null
                     *       },
                     *       "channel": "sms",
                     *       "text": "王强（主要负责人）：合肥精工机械有限公司2025年6月16日被登记重大事故隐患“粉尘涉爆除尘系统未接地”，请立即组织整改。",
                     *       "title": null,
                     *       "status": "sent",
                     *       "attempts": 1,
                     *       "last_error": null,
                     *       "next_attempt_at": null,
                     *       "cause": {
                     *         "rule": "major_hazard",
                     *         "resource": "hazards",
                     *         "resource_id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d"
                     *       },
                     *       "created_at": "2025-06-16T02:00:00Z",
                     *       "sent_at": "2025-06-16T02:00:03Z",
                     *       "read_at": null
                     *     }
                     */
                    "application/json": components["schemas"]["NotificationRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: an in-app notification (it is not sent); an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_subscriptions: {
        parameters: {
            query?: {
                /**
                 * @description Page size, 1–200.
                 * @example 50
                 */
                limit?: number;
                /**
                 * @description Opaque token: `next_cursor` of the previous page, passed back unchanged (22 characters, base64url). Leave it out for the first page.
                 * @example AZO0z3Qge7Wd9Dpz3k6Ovg
                 */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of subscriptions. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "items": [
                     *         {
                     *           "id": "0193a5c2-6cad-7e1f-9a2b-3c4d5e6f7081",
                     *           "url": "https://district.example.gov.cn/anquan/webhook",
                     *           "event_types": [
                     *             "hazard.created",
                     *             "hazard.status_changed"
                     *           ],
                     *           "description": "区应急局隐患台账同步",
                     *           "status": "active",
                     *           "disabled_reason": null,
                     *           "created_by": "0193a5c0-0b05-7000-8000-00000000b005",
                     *           "created_at": "2025-06-16T02:00:00Z",
                     *           "updated_at": "2025-06-16T02:00:00Z"
                     *         }
                     *       ],
                     *       "next_cursor": null
                     *     }
                     */
                    "application/json": components["schemas"]["WebhookSubscriptionPage"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    create_subscription: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "url": "https://district.example.gov.cn/anquan/webhook",
                 *       "event_types": [
                 *         "hazard.created"
                 *       ],
                 *       "description": "区应急局隐患台账同步"
                 *     }
                 */
                "application/json": components["schemas"]["WebhookSubscriptionCreate"];
            };
        };
        responses: {
            /** @description The subscription and its secret (shown once). */
            201: {
                headers: {
                    Location: components["headers"]["Location"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c2-6cad-7e1f-9a2b-3c4d5e6f7081",
                     *       "url": "https://district.example.gov.cn/anquan/webhook",
                     *       "event_types": [
                     *         "hazard.created",
                     *         "hazard.status_changed"
                     *       ],
                     *       "description": "区应急局隐患台账同步",
                     *       "status": "active",
                     *       "disabled_reason": null,
                     *       "created_by": "0193a5c0-0b05-7000-8000-00000000b005",
                     *       "created_at": "2025-06-16T02:00:00Z",
                     *       "updated_at": "2025-06-16T02:00:00Z",
                     *       "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
                     *     }
                     */
                    "application/json": components["schemas"]["WebhookSubscriptionCreated"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: a URL whose host does not resolve, or resolves to a loopback, link-local or private address not allowed by the settings; an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_subscription: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The webhook subscription's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c2-6cad-7e1f-9a2b-3c4d5e6f7081
                 */
                subscription_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The subscription (without its secret). */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c2-6cad-7e1f-9a2b-3c4d5e6f7081",
                     *       "url": "https://district.example.gov.cn/anquan/webhook",
                     *       "event_types": [
                     *         "hazard.created",
                     *         "hazard.status_changed"
                     *       ],
                     *       "description": "区应急局隐患台账同步",
                     *       "status": "active",
                     *       "disabled_reason": null,
                     *       "created_by": "0193a5c0-0b05-7000-8000-00000000b005",
                     *       "created_at": "2025-06-16T02:00:00Z",
                     *       "updated_at": "2025-06-16T02:00:00Z"
                     *     }
                     */
                    "application/json": components["schemas"]["WebhookSubscriptionRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    delete_subscription: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The webhook subscription's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c2-6cad-7e1f-9a2b-3c4d5e6f7081
                 */
                subscription_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted. */
            204: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    update_subscription: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The webhook subscription's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c2-6cad-7e1f-9a2b-3c4d5e6f7081
                 */
                subscription_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "status": "active"
                 *     }
                 */
                "application/json": components["schemas"]["WebhookSubscriptionPatch"];
            };
        };
        responses: {
            /** @description The subscription as changed. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c2-6cad-7e1f-9a2b-3c4d5e6f7081",
                     *       "url": "https://district.example.gov.cn/anquan/webhook",
                     *       "event_types": [
                     *         "hazard.created",
                     *         "hazard.status_changed"
                     *       ],
                     *       "description": "区应急局隐患台账同步",
                     *       "status": "active",
                     *       "disabled_reason": null,
                     *       "created_by": "0193a5c0-0b05-7000-8000-00000000b005",
                     *       "created_at": "2025-06-16T02:00:00Z",
                     *       "updated_at": "2025-06-16T02:00:00Z"
                     *     }
                     */
                    "application/json": components["schemas"]["WebhookSubscriptionRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: a URL whose host does not resolve, or resolves to a loopback, link-local or private address not allowed by the settings */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_deliveries: {
        parameters: {
            query?: {
                /**
                 * @description The `event_id` of the last delivery seen (`next_cursor`).
                 * @example 1024
                 */
                after?: number;
                /**
                 * @description Only deliveries in this status.
                 * @example pending
                 */
                status?: components["schemas"]["DeliveryStatus"];
                /**
                 * @description Page size, 1–200.
                 * @example 50
                 */
                limit?: number;
            };
            header?: never;
            path: {
                /**
                 * @description The webhook subscription's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c2-6cad-7e1f-9a2b-3c4d5e6f7081
                 */
                subscription_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of deliveries in feed order. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "items": [
                     *         {
                     *           "id": "0193a5c2-7dbe-7f2a-8b3c-4d5e6f708192",
                     *           "webhook_id": "msg_0193a5c27dbe7f2a8b3c4d5e6f708192",
                     *           "event_id": 1025,
                     *           "event_type": "hazard.created",
                     *           "status": "delivered",
                     *           "attempts": 3,
                     *           "last_status_code": 200,
                     *           "last_error": null,
                     *           "next_attempt_at": null,
                     *           "last_attempt_at": "2025-06-16T02:00:40Z",
                     *           "delivered_at": "2025-06-16T02:00:40Z"
                     *         }
                     *       ],
                     *       "next_cursor": 1025
                     *     }
                     */
                    "application/json": components["schemas"]["WebhookDeliveryPage"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    redeliver: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the same key only to retry the same request (same path and body): the first answer is replayed, with `Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request answers 422; one whose first request is still running, 409. Keys are per caller.
                 * @example 5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42
                 */
                "Idempotency-Key"?: string;
            };
            path: {
                /**
                 * @description The webhook subscription's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c2-6cad-7e1f-9a2b-3c4d5e6f7081
                 */
                subscription_id: string;
                /**
                 * @description The webhook delivery's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c2-7dbe-7f2a-8b3c-4d5e6f708192
                 */
                delivery_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The delivery, pending again. */
            200: {
                headers: {
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0193a5c2-7dbe-7f2a-8b3c-4d5e6f708192",
                     *       "webhook_id": "msg_0193a5c27dbe7f2a8b3c4d5e6f708192",
                     *       "event_id": 1025,
                     *       "event_type": "hazard.created",
                     *       "status": "delivered",
                     *       "attempts": 3,
                     *       "last_status_code": 200,
                     *       "last_error": null,
                     *       "next_attempt_at": null,
                     *       "last_attempt_at": "2025-06-16T02:00:40Z",
                     *       "delivered_at": "2025-06-16T02:00:40Z"
                     *     }
                     */
                    "application/json": components["schemas"]["WebhookDeliveryRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: an `Idempotency-Key` already used with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    hazard_notifications: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The hazard's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d
                 */
                hazard_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The hazard's notifications, oldest first. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "items": [
                     *         {
                     *           "id": "0193a5c2-5b9c-7d0e-8f1a-2b3c4d5e6f70",
                     *           "recipient": {
                     *             "user_id": null,
                     *             "name": "王强",
                     *             "role": "principal",
                     *             "address": "138****8000",
                     *             "org_unit_id": null
                     *           },
                     *           "channel": "sms",
                     *           "text": "王强（主要负责人）：合肥精工机械有限公司2025年6月16日被登记重大事故隐患“粉尘涉爆除尘系统未接地”，请立即组织整改。",
                     *           "title": null,
                     *           "status": "sent",
                     *           "attempts": 1,
                     *           "last_error": null,
                     *           "next_attempt_at": null,
                     *           "cause": {
                     *             "rule": "major_hazard",
                     *             "resource": "hazards",
                     *             "resource_id": "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d"
                     *           },
                     *           "created_at": "2025-06-16T02:00:00Z",
                     *           "sent_at": "2025-06-16T02:00:03Z",
                     *           "read_at": null
                     *         }
                     *       ],
                     *       "next_cursor": null
                     *     }
                     */
                    "application/json": components["schemas"]["NotificationPage"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_robots: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The org unit's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01
                 */
                org_unit_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The robots, their URLs without credentials. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "items": [
                     *         {
                     *           "org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *           "channel": "dingtalk",
                     *           "url": "https://oapi.dingtalk.com/robot/send?access_token=***",
                     *           "signed": true,
                     *           "updated_at": "2025-06-16T02:00:00Z"
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["RobotList"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    put_robot: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The org unit's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01
                 */
                org_unit_id: string;
                /**
                 * @description `wecom` or `dingtalk`.
                 * @example dingtalk
                 */
                channel: components["schemas"]["RobotChannel"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "url": "https://oapi.dingtalk.com/robot/send?access_token=0f1e2d3c4b5a",
                 *       "secret": "SEC0123456789abcdef"
                 *     }
                 */
                "application/json": components["schemas"]["RobotWrite"];
            };
        };
        responses: {
            /** @description The robot as set. */
            200: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "org_unit_id": "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01",
                     *       "channel": "dingtalk",
                     *       "url": "https://oapi.dingtalk.com/robot/send?access_token=***",
                     *       "signed": true,
                     *       "updated_at": "2025-06-16T02:00:00Z"
                     *     }
                     */
                    "application/json": components["schemas"]["RobotRead"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Request body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields. Also refused: a URL whose host does not resolve, or resolves to a loopback, link-local or private address not allowed by the settings */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    delete_robot: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The org unit's id; one the caller cannot see answers 404 (A2).
                 * @example 0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01
                 */
                org_unit_id: string;
                /**
                 * @description `wecom` or `dingtalk`.
                 * @example dingtalk
                 */
                channel: components["schemas"]["RobotChannel"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Removed. */
            204: {
                headers: {
                    "X-Request-ID": components["headers"]["XRequestID"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The caller may not take this action on a visible object */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such object, or not visible to the caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid input; `errors` names the fields */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
}
