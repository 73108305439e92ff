import type { ReactNode } from 'react';

export function Card({ title, wide, children }: { title: string; wide?: boolean; children: ReactNode }) {
  // A section with a heading gives screen readers a landmark per card and tests a region to scope to.
  const id = `card-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return (
    <section className={wide ? 'card wide' : 'card'} aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}
