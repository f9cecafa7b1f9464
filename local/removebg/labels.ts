/** Pixel labels shared by the segmentation passes. */
export const UNDECIDED = 0;
export const BACKGROUND = 1;
export const FOREGROUND = 2;
/** Background-like but enclosed by the subject and too small to be a hole: kept as subject. */
export const FILLED = 3;
/** Transient: queued by the pass that is walking a component. */
export const VISITING = 4;
