/** A small client for the Cutout API (docs/api.md), as the CLI needs it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The problem's field errors, when it has them. */
    readonly errors: FieldError[] = [],
  ) {
    super(message);
  }
}

/** A mistake in the command line itself (exit code 2). */
export class UsageError extends Error {}

export interface FieldError {
  field: string;
  message: string;
}

export interface ImageView {
  id: string;
  status: string;
  filename: string;
  bytes: number;
  createdAt: string;
  error?: { code: string; message: string };
  downloadUrl?: string;
}

/** GET /api/images/{id}/render: a signed URL to the image rendered with its saved edits. */
export interface RenderView {
  url: string;
  format: string;
  contentType: string;
  width: number;
  height: number;
  bytes: number;
  expiresAt: string;
}

export class Api {
  constructor(
    readonly base: string,
    private readonly token?: string,
  ) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.base), {
        method,
        headers: {
          ...(body ? { 'Content-Type': 'application/json' } : {}),
          ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
    } catch {
      throw new ApiError(0, 'NETWORK', `Cannot reach ${this.base}. Is the server running (npm start)?`);
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    let parsed: Record<string, unknown> = {};
    try {
      if (text) parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      if (response.ok) throw new ApiError(response.status, 'HTTP', `${this.base} did not answer with JSON`);
    }
    if (!response.ok) {
      const errors = Array.isArray(parsed.errors) ? (parsed.errors as FieldError[]) : [];
      const fields = errors.map((e) => `${e.field} ${e.message}`).join('; ');
      throw new ApiError(
        response.status,
        String(parsed.code ?? 'HTTP'),
        [parsed.detail ?? response.statusText, fields].filter(Boolean).join(': '),
        errors,
      );
    }
    return parsed as T;
  }
}
