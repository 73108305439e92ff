import { useEffect, useId, useRef, type ReactNode } from 'react';

/**
 * A modal confirmation. Hand-rolled rather than <dialog>.showModal() because jsdom lacks it and the
 * component tests must exercise the same markup the user sees.
 */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  onConfirm,
  onCancel,
  busy,
}: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  busy?: boolean;
}) {
  const titleId = useId();
  const confirmRef = useRef<HTMLButtonElement>(null);
  const dialogRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const previous = document.activeElement;
    confirmRef.current?.focus();
    return () => {
      if (previous instanceof HTMLElement) previous.focus();
    };
  }, []);
  return (
    <div className="dialog-backdrop">
      <div
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        className="dialog"
        ref={dialogRef}
        onKeyDown={(e) => {
          if (e.key === 'Escape') onCancel();
          if (e.key !== 'Tab' || !dialogRef.current) return;
          // Keep Tab inside the dialog while it is open (it is modal).
          const focusable = [...dialogRef.current.querySelectorAll<HTMLElement>('button:not([disabled])')];
          const first = focusable[0];
          const last = focusable[focusable.length - 1];
          if (e.shiftKey && document.activeElement === first) {
            e.preventDefault();
            last?.focus();
          } else if (!e.shiftKey && document.activeElement === last) {
            e.preventDefault();
            first?.focus();
          }
        }}
      >
        <h2 id={titleId}>{title}</h2>
        <div>{children}</div>
        <div className="row dialog-actions">
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="button" className="primary" ref={confirmRef} disabled={busy} onClick={onConfirm}>
            {confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
