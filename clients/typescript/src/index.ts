/**
 * The Anquan API for TypeScript: the types generated from the contract (src/schema.d.ts,
 * openapi-typescript) and a typed fetch client over them (openapi-fetch). Every path,
 * parameter, body and answer is checked by the compiler against openapi/openapi.json.
 */
import createClient, { type Client, type Middleware } from "openapi-fetch";

import type { components, paths } from "./schema.js";

export type { components, operations, paths } from "./schema.js";

export type Schemas = components["schemas"];
export type Hazard = Schemas["HazardRead"];
export type HazardPage = Schemas["HazardPage"];
export type Enterprise = Schemas["EnterpriseRead"];
export type Attachment = Schemas["AttachmentRead"];
export type Problem = Schemas["Problem"];
export type TokenResponse = Schemas["TokenResponse"];
/** The `ETag` of a single resource, as the contract declares it (`"3"`). */
export type ETag = components["headers"]["ETag"];

export type AnquanClient = Client<paths>;

export interface AnquanOptions {
  /** The service's origin, e.g. `http://127.0.0.1:8000` (the paths carry `/api/v1`). */
  baseUrl: string;
  /** The bearer token to send, read on every request (so a refreshed one is picked up). */
  token?: () => string | undefined;
  fetch?: typeof globalThis.fetch;
}

/** A typed client; with `token`, every request carries `Authorization: Bearer …`. */
export function createAnquanClient(options: AnquanOptions): AnquanClient {
  const client = createClient<paths>({ baseUrl: options.baseUrl, fetch: options.fetch });
  const auth: Middleware = {
    onRequest({ request }) {
      const token = options.token?.();
      if (token) {
        request.headers.set("Authorization", `Bearer ${token}`);
      }
      return request;
    },
  };
  client.use(auth);
  return client;
}

/** An RFC 9457 problem answered by the service, thrown by the helpers below. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | undefined,
  ) {
    super(problem ? `${status} ${problem.code}: ${problem.detail ?? problem.title}` : `HTTP ${status}`);
  }
}

/** The data of a successful answer, or a ProblemError. */
export function ok<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined || result.error !== undefined) {
    throw new ProblemError(result.response.status, result.error as Problem | undefined);
  }
  return result.data;
}

/** The `ETag` of an answer, to send back as `If-Match` with the next change. */
export function etagOf(response: Response): ETag {
  const value = response.headers.get("ETag");
  if (value === null) {
    throw new Error(`no ETag on ${response.url}`);
  }
  return value;
}

/** A fresh `Idempotency-Key`: one per logical request, reused only to retry that request. */
export function idempotencyKey(): string {
  return globalThis.crypto.randomUUID();
}

const FORM = { "Content-Type": "application/x-www-form-urlencoded" } as const;

function formEncode(body: Record<string, string | undefined | null>): string {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(body)) {
    if (value !== undefined && value !== null) {
      form.set(name, value);
    }
  }
  return form.toString();
}

/** The password grant (people). */
export async function logIn(client: AnquanClient, username: string, password: string): Promise<TokenResponse> {
  return ok(
    await client.POST("/api/v1/auth/token", {
      body: { grant_type: "password", username, password },
      bodySerializer: formEncode,
      headers: FORM,
    }),
  );
}

/** The client_credentials grant (district systems). */
export async function logInClient(client: AnquanClient, clientId: string, clientSecret: string): Promise<TokenResponse> {
  return ok(
    await client.POST("/api/v1/auth/token", {
      body: { grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret },
      bodySerializer: formEncode,
      headers: FORM,
    }),
  );
}

/** Uploads an evidence file (JPEG, PNG or PDF) as the multipart part `file`. */
export async function uploadEvidence(client: AnquanClient, file: Blob, filename: string): Promise<Attachment> {
  return ok(
    await client.POST("/api/v1/attachments", {
      params: { header: { "Idempotency-Key": idempotencyKey() } },
      body: { file },
      bodySerializer(body) {
        const form = new FormData();
        form.set("file", body.file, filename);
        return form;
      },
    }),
  );
}

/** Every item of a keyset-paginated list: follows `next_cursor` until it is null. */
export async function* pages<T>(
  fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; next_cursor: string | null }>,
): AsyncGenerator<T[]> {
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    yield page.items;
    cursor = page.next_cursor ?? undefined;
  } while (cursor !== undefined);
}
