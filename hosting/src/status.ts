import { h } from './dom';
import type { ImageStatus } from './types';

export const STATUS_LABEL: Record<ImageStatus, string> = {
  awaiting_upload: 'Uploading',
  queued: 'Queued',
  processing: 'Removing background',
  done: 'Done',
  failed: 'Failed',
};

const SHORT_LABEL: Record<ImageStatus, string> = {
  awaiting_upload: 'Uploading',
  queued: 'Queued',
  processing: 'Processing',
  done: 'Done',
  failed: 'Failed',
};

export const badge = (status: ImageStatus): HTMLSpanElement =>
  h('span', { class: `badge badge-${status.replace('_', '-')}` }, SHORT_LABEL[status]);
