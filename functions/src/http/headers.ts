/** Headers on every API response: the request id to quote, and nothing cacheable or sniffable. */
export const apiHeaders = (requestId: string): Record<string, string> => ({
  'X-Request-Id': requestId,
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
});
