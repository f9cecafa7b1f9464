import type { Edits, RenderFormat } from '../../functions/src/core/edits';

/** The API's shapes (docs/api.md, "Shapes"), as far as the page reads them. */

export type ImageStatus = 'awaiting_upload' | 'queued' | 'processing' | 'done' | 'failed';
export type SubjectType = 'auto' | 'person' | 'product' | 'car';

export interface User {
  id: string;
  email: string;
  username: string;
  createdAt: string;
}

export interface Session {
  user: User;
  token: string;
  expiresAt: string;
}

export interface ImageOptions {
  type: SubjectType;
  size?: 'preview' | 'full' | 'auto';
  /** rrggbb, or null for a transparent background. */
  bgColor: string | null;
}

export interface Image {
  id: string;
  status: ImageStatus;
  filename: string;
  contentType: string;
  bytes: number;
  width?: number;
  height?: number;
  options: ImageOptions;
  createdAt: string;
  updatedAt: string;
  processedAt?: string;
  error?: { code: string; message: string };
  originalUrl?: string;
  resultUrl?: string;
  thumbnailUrl?: string;
  downloadUrl?: string;
  /** Absent from a server that predates edits; the editor is offered only when present. */
  edits?: Edits;
  /** A touch-up mask is stored (maskUrl) and replaces the model's opacity in every render. */
  touchedUp?: boolean;
  maskUrl?: string;
  backgroundUrl?: string;
}

/** docs/api.md, "Edits": the service's own types, so the page and the API cannot drift apart. */
export type { Background, Edits, RenderFormat } from '../../functions/src/core/edits';

export interface Render {
  url: string;
  format: RenderFormat;
  contentType: string;
  width: number;
  height: number;
  bytes: number;
  expiresAt: string;
}

export interface UploadTicket {
  url: string;
  method: 'PUT';
  headers: Record<string, string>;
  expiresAt: string;
}

export interface FieldError {
  field: string;
  message: string;
}

/** application/problem+json (RFC 9457) as the API sends it. */
export interface Problem {
  status: number;
  title?: string;
  detail?: string;
  code?: string;
  errors?: FieldError[];
  requestId?: string;
}

export const isFinal = (status: ImageStatus): boolean => status === 'done' || status === 'failed';
