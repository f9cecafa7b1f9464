/** A small client for the Cutout API (docs/api.md), as the CLI needs it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
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
    const parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (!response.ok) {
      const fields = (parsed.errors as { field: string; message: string }[] | undefined)
        ?.map((e) => `${e.field} ${e.message}`)
        .join('; ');
      throw new ApiError(
        response.status,
        String(parsed.code ?? 'HTTP'),
        [parsed.detail ?? response.statusText, fields].filter(Boolean).join(': '),
      );
    }
    return parsed as T;
  }
}
