/** A visible alert box (role="alert" in index.html) with a tone: error by default, or info. */
export function showAlert(box: HTMLElement, message: string, tone: 'error' | 'info' = 'error'): void {
  box.textContent = message;
  box.classList.toggle('alert-info', tone === 'info');
  box.hidden = false;
}

export function hideAlert(box: HTMLElement): void {
  box.hidden = true;
  box.textContent = '';
}
