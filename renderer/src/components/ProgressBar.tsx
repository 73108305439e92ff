/** `value` in [0, 1]; undefined shows an indeterminate bar (work started, progress unknown). */
export function ProgressBar({ label, value }: { label: string; value: number | undefined }) {
  const clamped = value === undefined ? undefined : Math.min(1, Math.max(0, value));
  return (
    <progress
      className="progress"
      aria-label={label}
      max={1}
      {...(clamped === undefined ? {} : { value: clamped })}
    />
  );
}
