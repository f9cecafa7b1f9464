import { loadAssets, type EditAssets } from './edit-assets';
import { publish } from './image-store';
import { MaskEdits } from './mask-edits';
import type { Image } from './types';

/**
 * What the edit and touch-up panels of one open image share: the image as the server last
 * answered, and the pictures and working mask, loaded once, on the first panel that needs them.
 */
export interface EditorSession {
  readonly image: Image;
  ready(): Promise<{ assets: EditAssets; mask: MaskEdits }>;
  /** A newer image from the API: kept here and published to the gallery and the dialog. */
  update(image: Image): void;
}

export function editorSession(first: Image): EditorSession {
  let image = first;
  let loading: Promise<{ assets: EditAssets; mask: MaskEdits }> | null = null;
  return {
    get image() {
      return image;
    },
    ready() {
      loading ??= loadAssets(image).then(
        (assets) => ({ assets, mask: new MaskEdits(assets) }),
        (error: unknown) => {
          loading = null; // a later panel may try again (signed URLs are fetched afresh by then)
          throw error;
        },
      );
      return loading;
    },
    update(next) {
      image = next;
      publish({ kind: 'changed', image: next });
    },
  };
}
